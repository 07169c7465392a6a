/* themes review: the page. Plain script, no library, nothing from the network. Every text from the
   survey goes into the page as a text node (el() never parses HTML). */
"use strict";
(function () {
  const TOKEN = new URLSearchParams(location.search).get("token") || "";
  const app = document.getElementById("app");
  let overviewSort = "size", overviewFilter = "", selected = new Set();

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "class") node.className = v;
      else if (k === "width") node.style.width = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function say(text, error) {
    const box = document.getElementById("message");
    box.textContent = text || "";
    box.hidden = !text;
    box.className = "message" + (error ? " error" : "");
  }

  async function call(method, path, body) {
    const opts = { method, headers: { "X-Review-Token": TOKEN }, credentials: "same-origin" };
    if (method === "POST") {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body || {});
    }
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({ ok: false, error: "HTTP " + res.status }));
    if (!data.ok) throw new Error(data.error || ("HTTP " + res.status));
    return data;
  }
  const get = (path) => call("GET", path).then((d) => d.result);

  async function act(op, body, done) {
    try {
      const data = await call("POST", "/api/" + op, body);
      showStatus(data.status);
      if (done) say(typeof done === "function" ? done(data.result) : done);
      await route();
      return data.result;
    } catch (e) {
      say(e.message, true);
      return null;
    }
  }

  function showStatus(st) {
    if (!st) return;
    document.getElementById("undo").disabled = !st.can_undo;
    document.getElementById("state").textContent =
      st.unsaved ? st.unsaved + " unsaved change" + (st.unsaved === 1 ? "" : "s") : "All saved";
    const who = document.getElementById("reviewer");
    if (document.activeElement !== who && !who.value) who.value = st.reviewer || "";
    window.reviewStatus = st;
  }

  const pct = (x) => Math.round(100 * x) + "%";

  function bar(share) {
    return el("div", { class: "bar", title: pct(share) }, el("div", { class: "fill", width: Math.min(100, 100 * share) + "%" }));
  }

  function mix(st) {
    return el("div", { class: "mix", title: `positive ${pct(st.positive)}, critical ${pct(st.negative)}, neutral ${pct(st.neutral)}` },
      el("span", { class: "pos", width: 100 * st.positive + "%" }), el("span", { class: "neg", width: 100 * st.negative + "%" }),
      el("span", { class: "neu", width: 100 * st.neutral + "%" }));
  }

  function themeLink(id, text) {
    return el("a", { href: "#/theme/" + id }, text);
  }

  function sorted(themes) {
    const f = overviewFilter.toLowerCase();
    const out = themes.filter((t) => !f || (t.name + " " + t.description + " " + t.keywords.join(" ")).toLowerCase().includes(f));
    const by = { size: (a, b) => b.n - a.n, name: (a, b) => a.name.localeCompare(b.name),
      reviewed: (a, b) => (a.reviewed - b.reviewed) || (b.n - a.n) };
    return out.sort(by[overviewSort]);
  }

  async function overview() {
    const data = await get("/api/overview");
    document.getElementById("title").textContent = "Review: " + data.title;
    document.title = "Review: " + data.title;
    showStatus(data);
    const search = el("input", { type: "search", id: "search", placeholder: "Search all answers" });
    const controls = el("div", { class: "controls" },
      el("form", { onsubmit: (e) => { e.preventDefault(); location.hash = "#/search/" + encodeURIComponent(search.value); } },
        search, " ", el("button", { type: "submit" }, "Search")),
      el("label", {}, "Show themes matching ", el("input", { type: "text", id: "filter", value: overviewFilter,
        oninput: (e) => { overviewFilter = e.target.value; drawTables(); } })),
      el("label", {}, "Sort by ", el("select", { id: "sort", onchange: (e) => { overviewSort = e.target.value; drawTables(); } },
        ...[["size", "size"], ["name", "name"], ["reviewed", "not yet reviewed first"]].map(([v, t]) =>
          el("option", { value: v, selected: v === overviewSort }, t)))),
      el("button", { type: "button", id: "merge-selected", onclick: mergeSelected }, "Merge selected themes"));
    const tables = el("div", {});
    function drawTables() {
      tables.replaceChildren(...data.questions.map((q) => el("section", {},
        q.question ? el("h2", { class: "question" }, q.question) : el("h2", {}, "Themes"),
        el("p", {}, `${q.answered} answers; `, el("a", { href: "#/unassigned" }, `${q.unassigned} unassigned`),
          `; ${q.themes.filter((t) => t.reviewed).length} of ${q.themes.length} themes reviewed.`),
        el("table", { class: "themes" },
          el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "Theme"), el("th", {}, "Description"),
            el("th", { class: "num" }, "Respondents"), el("th", {}, "Share"), el("th", {}, "Stance"), el("th", {}, "Reviewed"))),
          el("tbody", {}, ...sorted(q.themes).map((t) => el("tr", { "data-theme": t.id },
            el("td", {}, el("input", { type: "checkbox", "aria-label": "select " + t.name, checked: selected.has(t.id),
              onchange: (e) => e.target.checked ? selected.add(t.id) : selected.delete(t.id) })),
            el("td", {}, themeLink(t.id, t.name)), el("td", { class: "desc" }, t.description),
            el("td", { class: "num" }, t.n), el("td", {}, el("div", { class: "share" }, bar(t.share), el("span", {}, pct(t.share)))),
            el("td", {}, mix(t.stance)), el("td", {}, t.reviewed ? el("span", { class: "tick" }, "\u2713 reviewed") : ""))))))));
    }
    drawTables();
    app.replaceChildren(el("section", {}, controls), tables);
  }

  async function mergeSelected() {
    const ids = [...selected];
    if (ids.length < 2) return say("Tick two or more themes of one question to merge them.", true);
    const name = prompt("Name of the merged theme (leave blank to keep the first one's name):", "");
    if (name === null) return;
    selected = new Set();
    await act("merge", { theme_ids: ids, name: name || null }, "Merged.");
  }

  function highlighted(answer) {
    const text = answer.text, parts = [];
    let at = 0;
    for (const s of answer.sentences) {
      if (!s.in_theme || s.start < at) continue;
      parts.push(text.slice(at, s.start), el("mark", {}, text.slice(s.start, s.end)));
      at = s.end;
    }
    parts.push(text.slice(at));
    return el("div", { class: "text" }, ...parts);
  }

  function targetSelect(targets, current, label) {
    return el("select", { "aria-label": label },
      el("option", { value: "" }, "Unassigned"),
      ...targets.map((t) => el("option", { value: t.id, selected: t.id === current }, t.name)));
  }

  function answerCard(a, data, themeId) {
    const targets = data.targets || [];
    const where = targetSelect(targets, themeId, "move answer " + a.response_id + " to");
    return el("div", { class: "answer", "data-response": a.response_id },
      el("div", { class: "meta" }, a.response_id, ...Object.entries(a.attributes).map(([k, v]) => ` \u00b7 ${k}: ${v}`),
        a.themes.length ? " \u00b7 themes: " + a.themes.map((t) => t.name).join("; ") : " \u00b7 unassigned"),
      highlighted(a),
      targets.length ? el("div", { class: "acts" }, "Move answer to ", where,
        el("button", { type: "button", class: "move-answer", onclick: () => act("move_answer",
          { response_id: a.response_id, theme_id: where.value || null }, "Answer " + a.response_id + " moved.") }, "Move")) : null,
      el("details", {}, el("summary", {}, "Sentences: move one, or pin one as a quote"),
        ...a.sentences.map((s) => {
          const to = targetSelect(targets, s.theme_id, "move sentence to");
          return el("div", { class: "sentence" }, el("span", { class: "s" }, s.text),
            targets.length ? [to, el("button", { type: "button", onclick: () => act("move_sentence",
              { response_id: a.response_id, segment_index: s.index, theme_id: to.value || null }, "Sentence moved.") }, "Move")] : null,
            themeId !== null && s.in_theme && !s.pinned ? el("button", { type: "button", class: "pin", onclick: () => act("pin",
              { theme_id: themeId, response_id: a.response_id, segment_index: s.index, action: "pin" }, "Quote pinned.") }, "Pin as quote") : null,
            s.pinned ? el("span", { class: "tick" }, "pinned") : null);
        })));
  }

  function pager(data, base) {
    if (data.pages <= 1) return el("div", { class: "pager" }, `${data.total} answers`);
    return el("div", { class: "pager" },
      el("button", { type: "button", disabled: data.page <= 1, onclick: () => { location.hash = base + (data.page - 1); } }, "Previous"),
      `Page ${data.page} of ${data.pages} (${data.total} answers)`,
      el("button", { type: "button", class: "next", disabled: data.page >= data.pages, onclick: () => { location.hash = base + (data.page + 1); } }, "Next"));
  }

  async function themePage(id, page) {
    const data = await get(`/api/theme?id=${id}&page=${page}`);
    showStatus(data);
    const t = data.theme;
    const name = el("input", { type: "text", id: "name", value: t.name, "aria-label": "theme name" });
    const desc = el("textarea", { id: "description", "aria-label": "description" }, t.description);
    const parts = el("input", { type: "number", id: "parts", min: 2, max: 8, value: 2 });
    const preview = el("div", { id: "split-preview" });
    const quotes = t.quotes.map((q, i) => el("li", {}, `\u201c${q.text}\u201d (${q.response_id})`, q.in_theme ? "" : " [no longer in this theme]", " ",
      el("button", { type: "button", disabled: i === 0, onclick: () => act("pin", { theme_id: id, response_id: q.response_id, segment_index: q.index, action: "up" }) }, "Up"),
      el("button", { type: "button", disabled: i === t.quotes.length - 1, onclick: () => act("pin", { theme_id: id, response_id: q.response_id, segment_index: q.index, action: "down" }) }, "Down"),
      el("button", { type: "button", onclick: () => act("pin", { theme_id: id, response_id: q.response_id, segment_index: q.index, action: "unpin" }, "Unpinned.") }, "Unpin")));
    const groups = t.groups.length ? el("table", { class: "groups" },
      el("thead", {}, el("tr", {}, el("th", {}, "Group"), el("th", { class: "num" }, "Answered"), el("th", { class: "num" }, "Hold this theme"), el("th", {}, "%"))),
      el("tbody", {}, ...t.groups.map((g) => el("tr", {}, el("td", {}, `${g.attribute}: ${g.group}`), el("td", { class: "num" }, g.n_group),
        el("td", { class: "num" }, g.n), el("td", {}, el("div", { class: "share" }, bar(g.pct / 100), el("span", {}, g.pct + "%"))))))) : el("p", {}, "No --by groups in this folder.");
    app.replaceChildren(
      el("p", {}, el("a", { href: "#/" }, "\u2190 All themes")),
      el("section", {},
        t.question ? el("p", { class: "question" }, t.question) : null,
        el("form", { class: "edit-name", onsubmit: (e) => { e.preventDefault(); act("rename", { theme_id: id, name: name.value }, "Renamed."); } },
          name, " ", el("button", { type: "submit", id: "rename" }, "Rename")),
        el("form", { class: "edit-desc", onsubmit: (e) => { e.preventDefault(); act("describe", { theme_id: id, description: desc.value }, "Description saved."); } },
          desc, el("button", { type: "submit", id: "describe" }, "Save description")),
        el("p", { class: "kw" }, "Keywords: " + (t.keywords.join("; ") || "none")),
        el("div", { class: "controls" },
          el("button", { type: "button", id: "mark-reviewed", onclick: () => act("reviewed", { theme_id: id, reviewed: !t.reviewed }, t.reviewed ? "Sign-off withdrawn." : "Marked reviewed.") },
            t.reviewed ? "\u2713 Reviewed (undo sign-off)" : "Mark reviewed"),
          el("button", { type: "button", class: "danger", id: "delete", onclick: async () => {
            if (confirm(`Delete "${t.name}"? Its answers become unassigned.`) && await act("delete", { theme_id: id }, "Deleted.")) location.hash = "#/"; } }, "Delete theme"),
          window.reviewStatus && window.reviewStatus.can_split ? el("span", {}, "Split into ", parts, " parts ",
            el("button", { type: "button", id: "split-preview-button", onclick: () => splitPreview(id, parts.value, preview) }, "Preview split")) : null),
        preview),
      el("section", {}, el("h3", {}, "Quotes pinned for reports"),
        quotes.length ? el("ol", { class: "quotes" }, ...quotes) : el("p", {}, "None pinned: reports choose quotes themselves. Pin a sentence below to choose."),
        el("h3", {}, "Who raised it"), groups),
      el("section", {}, el("h3", {}, "Answers"), pager(data, `#/theme/${id}/`),
        ...data.answers.map((a) => answerCard(a, data, id)), pager(data, `#/theme/${id}/`)));
  }

  async function splitPreview(id, n, box) {
    try {
      const res = (await call("POST", "/api/split_preview", { theme_id: id, parts: Number(n) })).result;
      const names = res.parts.map((p) => el("input", { type: "text", value: p.name, "aria-label": "name of part " + p.part }));
      box.replaceChildren(el("div", { class: "parts" }, ...res.parts.map((p, i) => el("div", { class: "part" },
        el("b", {}, `Part ${p.part}: ${p.answers} answers, ${p.sentences} sentences`), names[i],
        el("ul", {}, ...p.examples.map((x) => el("li", {}, x)))))),
        el("button", { type: "button", class: "primary", id: "split-apply", onclick: () => act("split",
          { theme_id: id, parts: Number(n), names: names.map((x) => x.value) }, "Split.") }, "Split and name the parts"));
    } catch (e) { say(e.message, true); }
  }

  async function listPage(kind, arg, page) {
    const data = kind === "search" ? await get(`/api/search?q=${encodeURIComponent(arg)}&page=${page}`)
      : await get(`/api/theme?id=none&page=${page}`);
    showStatus(data);
    const targets = (await get("/api/overview")).questions.flatMap((q) => q.themes.map((t) => ({ id: t.id, name: t.name })));
    const base = kind === "search" ? `#/search/${encodeURIComponent(arg)}/` : "#/unassigned/";
    app.replaceChildren(el("p", {}, el("a", { href: "#/" }, "\u2190 All themes")),
      el("section", {}, el("h2", {}, kind === "search" ? `Answers containing \u201c${arg}\u201d` : "Unassigned answers"),
        pager(data, base), ...data.answers.map((a) => answerCard(a, { targets }, null)), pager(data, base)));
  }

  async function historyPage() {
    const data = await get("/api/history");
    showStatus(data);
    app.replaceChildren(el("p", {}, el("a", { href: "#/" }, "\u2190 All themes")),
      el("section", {}, el("h2", {}, "Edit log (newest first)"), el("table", { class: "log" },
        el("thead", {}, el("tr", {}, el("th", {}, "When"), el("th", {}, "Edit"), el("th", {}, "Reviewer"), el("th", {}, "Details"))),
        el("tbody", {}, ...data.edits.map((e) => {
          const { at, op, reviewer, ...rest } = e;
          return el("tr", {}, el("td", {}, at || ""), el("td", {}, op || ""), el("td", {}, reviewer || ""), el("td", {}, JSON.stringify(rest)));
        })))));
  }

  async function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/");
    try {
      if (parts[0] === "theme") await themePage(Number(parts[1]), Number(parts[2] || 1));
      else if (parts[0] === "unassigned") await listPage("unassigned", null, Number(parts[1] || 1));
      else if (parts[0] === "search") await listPage("search", decodeURIComponent(parts[1] || ""), Number(parts[2] || 1));
      else if (parts[0] === "history") await historyPage();
      else await overview();
      app.setAttribute("data-ready", location.hash || "#/");
    } catch (e) {
      say(e.message, true);
      if (parts[0] === "theme") location.hash = "#/";
    }
  }

  document.getElementById("undo").addEventListener("click", () => act("undo", {}, (r) => "Undone: " + ((r.undid && r.undid.op) || "edit") + "."));
  document.getElementById("save").addEventListener("click", () => act("save", {}, (r) =>
    `Saved ${r.saved} (${r.edits} edits in the log). Run \`themes report ${r.saved}\` to refresh the reports.`));
  document.getElementById("reviewer").addEventListener("change", (e) => act("reviewer", { name: e.target.value }));
  window.addEventListener("hashchange", () => { say(""); route(); });
  window.addEventListener("beforeunload", (e) => { if (window.reviewStatus && window.reviewStatus.unsaved) e.preventDefault(); });
  route();
})();
