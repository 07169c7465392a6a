(function () {
  "use strict";

  // Quotes: regroup by another --by column.
  document.querySelectorAll(".quote-tabs").forEach(function (tabs) {
    var box = tabs.parentNode;
    tabs.querySelectorAll("button").forEach(function (btn) {
      btn.addEventListener("click", function () {
        tabs.querySelectorAll("button").forEach(function (b) { b.classList.toggle("on", b === btn); });
        box.querySelectorAll(".quote-view").forEach(function (v) {
          v.hidden = v.getAttribute("data-by") !== btn.getAttribute("data-by");
        });
      });
    });
  });

  // The segment map: points coloured by theme, hover shows the text.
  var dataEl = document.getElementById("map-data");
  var canvas = document.getElementById("map");
  if (!dataEl || !canvas) { return; }
  var data = JSON.parse(dataEl.textContent);
  var tip = document.getElementById("map-tip");
  var select = document.getElementById("map-question");
  var legend = document.getElementById("map-legend");
  var hidden = {};
  var question = select ? Number(select.value) : -1;
  var shown = [];
  var box = null;

  function visible(p) {
    return (question < 0 || p[3] === question) && !hidden[p[2]];
  }

  function colour(t) { return t < 0 ? data.unassigned : data.themes[t].colour; }

  function buildLegend() {
    legend.innerHTML = "";
    var used = {};
    data.points.forEach(function (p) { if (question < 0 || p[3] === question) { used[p[2]] = true; } });
    Object.keys(used).map(Number).sort(function (a, b) { return a - b; }).forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = hidden[t] ? "off" : "";
      var dot = document.createElement("i");
      dot.style.background = colour(t);
      b.appendChild(dot);
      b.appendChild(document.createTextNode(t < 0 ? "Fits no theme" : data.themes[t].name));
      b.title = "Show or hide this theme";
      b.addEventListener("click", function () { hidden[t] = !hidden[t]; buildLegend(); draw(); });
      legend.appendChild(b);
    });
  }

  function draw() {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var pts = data.points.filter(function (p) { return question < 0 || p[3] === question; });
    if (!pts.length) { return; }
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var pad = 24, sx = (w - 2 * pad) / ((maxX - minX) || 1), sy = (h - 2 * pad) / ((maxY - minY) || 1);
    var s = Math.min(sx, sy);
    var ox = pad + ((w - 2 * pad) - s * (maxX - minX)) / 2, oy = pad + ((h - 2 * pad) - s * (maxY - minY)) / 2;
    box = { minX: minX, maxY: maxY, s: s, ox: ox, oy: oy };
    shown = [];
    pts.forEach(function (p) {
      if (!visible(p)) { return; }
      var px = ox + (p[0] - minX) * s, py = oy + (maxY - p[1]) * s;
      shown.push([px, py, p]);
      ctx.beginPath();
      ctx.arc(px, py, 4, 0, 2 * Math.PI);
      ctx.fillStyle = colour(p[2]);
      ctx.globalAlpha = 0.8;
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    // theme labels centred above each theme's points
    var sums = {};
    shown.forEach(function (q) {
      var t = q[2][2];
      if (t < 0) { return; }
      sums[t] = sums[t] || [0, Infinity, 0];
      sums[t][0] += q[0]; sums[t][1] = Math.min(sums[t][1], q[1]); sums[t][2] += 1;
    });
    ctx.font = "bold 12px Arial, Helvetica, sans-serif";
    ctx.textAlign = "center";
    Object.keys(sums).forEach(function (t) {
      var m = sums[t], x = m[0] / m[2], y = Math.max(14, m[1] - 9), label = data.themes[t].name;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(label, x, y);
      ctx.fillStyle = "#212B32";
      ctx.fillText(label, x, y);
    });
  }

  function nearest(ev) {
    var r = canvas.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    var best = null, bestD = 64;
    shown.forEach(function (q) {
      var d = (q[0] - mx) * (q[0] - mx) + (q[1] - my) * (q[1] - my);
      if (d < bestD) { bestD = d; best = q; }
    });
    return { hit: best, x: mx, y: my };
  }

  canvas.addEventListener("mousemove", function (ev) {
    var n = nearest(ev);
    if (!n.hit) { tip.style.display = "none"; return; }
    var p = n.hit[2];
    tip.innerHTML = "";
    var b = document.createElement("b");
    b.textContent = p[2] < 0 ? "Fits no theme" : data.themes[p[2]].name;
    tip.appendChild(b);
    tip.appendChild(document.createTextNode(p[4]));
    tip.style.display = "block";
    var left = Math.min(n.x + 14, canvas.clientWidth - 370);
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = (n.y + 14) + "px";
  });
  canvas.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  if (select) {
    select.addEventListener("change", function () { question = Number(select.value); buildLegend(); draw(); });
  }
  window.addEventListener("resize", draw);
  buildLegend();
  draw();
}());
