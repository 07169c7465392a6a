"""`themes review`: the edits of a review session, saving, labelling again, and the server's
safety (token, same origin) over real HTTP on 127.0.0.1. Fake embedder; no browser."""

from __future__ import annotations

import filecmp
import http.client
import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.errors import ConfigError
from themes.review import split, views
from themes.review.save import save_review
from themes.review.server import ReviewServer
from themes.review.session import ReviewSession

runner = CliRunner()
TABLES = ("themes.csv", "responses.csv", "segments.csv", "quotes.csv", "crosstab.csv", "quotes.md")


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def outdir(tmp_path, tiny_frame, fast_stages, monkeypatch):
    monkeypatch.setenv("THEMES_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "survey.csv"
    tiny_frame.to_csv(src, index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "--by", "role,trust_type",
                              "-o", str(out), "--quiet", "--n-themes", "3", "--min-similarity", "0.1"])
    assert res.exit_code == 0, res.output
    return out


def _theme_of(out, rid):
    return int(_read(out / "responses.csv").set_index("response_id").at[rid, "primary_theme_id"])


def test_saving_without_edits_rewrites_the_same_tables(outdir, tmp_path):
    before = tmp_path / "before"
    shutil.copytree(outdir, before)
    save_review(ReviewSession(outdir))
    assert all(filecmp.cmp(before / f, outdir / f, shallow=False) for f in TABLES)
    assert not [p for p in outdir.parent.iterdir() if p.name.startswith(".out.")]  # no temporary folder left


def test_rename_merge_move_delete_undo_and_save(outdir):
    s = ReviewSession(outdir, reviewer="Ada")
    board, consult, networks = _theme_of(outdir, "R01"), _theme_of(outdir, "R04"), _theme_of(outdir, "R07")
    assert s.rename_theme(board, "Accountability to regulators")["changed"]
    assert s.rename_theme(board, "Accountability to regulators") == {"changed": False}
    with pytest.raises(ConfigError, match="already called"):
        s.rename_theme(consult, "accountability to regulators")
    s.merge([consult, networks], "Support and networks")
    s.move_answer("R04", board)
    s.move_answer("R05", None)
    s.undo()                                                         # R05 stays where it was
    s.mark_reviewed(board)
    ov = views.overview(s)
    names = {t["name"]: t for t in ov["questions"][0]["themes"]}
    assert set(names) == {"Accountability to regulators", "Support and networks"}
    assert names["Accountability to regulators"]["reviewed"] and names["Accountability to regulators"]["n"] == 5
    save_review(s)
    r = _read(outdir / "responses.csv").set_index("response_id")
    assert r.at["R04", "primary_theme"] == "Accountability to regulators" and r.at["R04", "theme_ids"] == str(board)
    assert r.at["R05", "primary_theme"] == "Support and networks"
    themes = _read(outdir / "themes.csv").set_index("name")
    assert themes.at["Support and networks", "n_responses"] == "6"
    assert themes.at["Accountability to regulators", "status"] == "edited"
    crosstab = _read(outdir / "crosstab.csv")
    assert set(crosstab["theme"]) == {"Accountability to regulators", "Support and networks"}
    log = json.loads((outdir / "model" / "manifest.json").read_text())["edits"]
    assert [e["op"] for e in log] == ["rename", "merge", "move", "undo", "reviewed"]
    assert {e["reviewer"] for e in log} == {"Ada"} and log[3]["undid"]["response_id"] == "R05"
    assert json.loads((outdir / "review.json").read_text())["reviewed"] == [board]
    again = ReviewSession(outdir)                                    # a new session reads it all back
    assert again.reviewed() == {board} and len(again.model.edits) == 5


def test_delete_and_move_sentence(outdir):
    s = ReviewSession(outdir)
    board, networks = _theme_of(outdir, "R01"), _theme_of(outdir, "R07")
    s.move_sentence("R01", 1, networks)           # 'Regulators must hold boards to account.'
    page = views.theme_page(s, networks)
    r01 = next(a for a in page["answers"] if a["response_id"] == "R01")
    assert [x["in_theme"] for x in r01["sentences"]] == [False, True]
    s.delete(board)
    save_review(s)
    r = _read(outdir / "responses.csv").set_index("response_id")
    assert r.at["R02", "status"] == "unassigned" and r.at["R01", "theme_ids"] == str(networks)
    assert str(board) not in set(_read(outdir / "themes.csv")["theme_id"])
    with pytest.raises(ConfigError, match="no theme"):
        s.rename_theme(board, "Back again")


def test_a_moved_answer_stays_moved_when_labelled_again(outdir, tmp_path):
    s = ReviewSession(outdir)
    board, consult = _theme_of(outdir, "R01"), _theme_of(outdir, "R04")
    s.move_answer("R02", consult)
    s.move_sentence("R11", 0, None)
    save_review(s)
    res = runner.invoke(app, ["label", str(outdir / "model"), str(tmp_path / "survey.csv"), "--text", "answer",
                              "--id", "id", "-o", str(tmp_path / "again"), "--quiet"])
    assert res.exit_code == 0, res.output
    r = _read(tmp_path / "again" / "responses.csv").set_index("response_id")
    assert r.at["R02", "theme_ids"] == str(consult)
    assert str(board) not in r.at["R11", "theme_ids"].split(";")
    assert r.at["R01", "theme_ids"] == str(board)                   # the others are labelled as before
    seg = _read(tmp_path / "again" / "segments.csv")
    assert seg.loc[(seg["response_id"] == "R11") & (seg["segment_index"] == "0"), "theme_id"].item() == ""


def test_report_shows_the_review(outdir):
    s = ReviewSession(outdir)
    board = _theme_of(outdir, "R01")
    s.rename_theme(board, "Hold boards to account")
    s.pin(board, "R02", 0)
    save_review(s)
    res = runner.invoke(app, ["report", str(outdir), "--format", "md", "--n-quotes", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    md = (outdir / "report" / "report.md").read_text()
    assert "## Hold boards to account" in md and "Boards account" not in md
    section = md[md.index("## Hold boards to account"):].split("\n## ")[0]
    assert "\u201cHold boards to account with a national scorecard and regulators.\u201d" in section  # the pinned quote
    assert section.count("> \u201c") == 1


def test_pins_and_quotes(outdir):
    s = ReviewSession(outdir)
    board = _theme_of(outdir, "R01")
    s.pin(board, "R02", 0)
    s.pin(board, "R03", 0)
    s.pin(board, "R03", 0, "up")
    assert s.pins[board] == [("R03", 0), ("R02", 0)]
    save_review(s)
    quotes = _read(outdir / "quotes.csv")
    assert quotes.loc[quotes["theme_id"] == str(board), "response_id"].tolist()[:2] == ["R03", "R02"]
    s.pin(board, "R03", 0, "unpin")
    assert s.pins[board] == [("R02", 0)]
    with pytest.raises(ConfigError):
        s.pin(board, "R03", 0, "sideways")


TOPICS = [["scorecard", "regulators", "accountability", "boards", "national"],
          ["consultancy", "consultants", "external", "support", "challenge"],
          ["networks", "lived", "experience", "stories", "staff"]]


@pytest.fixture
def wide(tmp_path, fast_stages, monkeypatch):
    """60 answers on three topics, found as two themes, so one theme holds two topics to split."""
    monkeypatch.setenv("THEMES_CACHE_DIR", str(tmp_path / "cache"))
    rows = [{"id": f"W{i:02d}{k}", "answer": f"The {t[i % 5]} and {t[(i + 1) % 5]} matter, with {t[(i + 2) % 5]} too."}
            for i in range(20) for k, t in enumerate(TOPICS)]
    src = tmp_path / "wide.csv"
    pd.DataFrame(rows).to_csv(src, index=False)
    out = tmp_path / "wide"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "-o", str(out), "--quiet",
                              "--n-themes", "2", "--min-similarity", "0.0"])
    assert res.exit_code == 0, res.output
    return out


def test_split_preview_then_split(wide):
    s = ReviewSession(wide)
    tid = int(_read(wide / "themes.csv").sort_values("n_responses", key=lambda c: c.astype(int))["theme_id"].iat[-1])
    preview = split.preview(s, tid, 2)
    assert s.unsaved == 0 and len(preview["parts"]) == 2 and all(p["examples"] for p in preview["parts"])
    assert sum(p["sentences"] for p in preview["parts"]) == int((s.seg_theme == tid).sum())
    with pytest.raises(ConfigError, match="both called"):
        split.split(s, tid, 2, ["Same", "Same"])
    assert s.unsaved == 0
    out = split.split(s, tid, 2, ["First part", "Second part"])
    names = {t["name"]: t["n"] for t in views.overview(s)["questions"][0]["themes"]}
    assert {"First part", "Second part"} <= set(names) and len(out["into"]) == 2
    assert names["First part"] > 0 and names["Second part"] > 0
    save_review(s)
    assert {"First part", "Second part"} <= set(_read(wide / "themes.csv")["name"])
    s.undo()
    assert "First part" not in {t["name"] for t in views.overview(s)["questions"][0]["themes"]}


def test_a_label_output_without_a_model_keeps_its_log_in_the_folder(outdir, tmp_path):
    lab = tmp_path / "lab"
    res = runner.invoke(app, ["label", str(outdir / "model"), str(tmp_path / "survey.csv"), "--text", "answer",
                              "--id", "id", "-o", str(lab), "--quiet"])
    assert res.exit_code == 0, res.output
    s = ReviewSession(lab)
    assert s.model_path is None
    tid = _theme_of(lab, "R01")
    s.rename_theme(tid, "Renamed here")
    save_review(s)
    assert json.loads((lab / "review.json").read_text())["edits"][0]["op"] == "rename"
    assert ReviewSession(lab).theme_name(tid) == "Renamed here"
    with_model = ReviewSession(lab, model=outdir / "model")
    assert with_model.model_path == outdir / "model"


# --- the server --------------------------------------------------------------------------------

@pytest.fixture
def server(outdir):
    srv = ReviewServer(ReviewSession(outdir)).start()
    yield srv
    srv.close()


def _request(srv, method, path, body=None, token=True, origin=True, host=None, kind="application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{srv.port}"}
    if token:
        headers["X-Review-Token"] = srv.token if token is True else token
    if origin:
        headers["Origin"] = srv.origin if origin is True else origin
    if body is not None:
        headers["Content-Type"] = kind
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, res.headers, data  # header names are case-insensitive (uvicorn sends them lower-case)


def test_server_needs_the_token_for_the_page_and_the_api(server):
    assert server.socket.getsockname()[0] == "127.0.0.1"
    assert _request(server, "GET", "/")[0] == 403
    status, headers, page = _request(server, "GET", f"/?token={server.token}")
    assert status == 200 and b"review.js" in page and "script-src 'self'" in headers["Content-Security-Policy"]
    assert _request(server, "GET", "/api/overview", token=False)[0] == 403
    assert _request(server, "GET", "/api/overview", token="wrong")[0] == 403
    status, _, data = _request(server, "GET", "/api/overview")
    assert status == 200 and json.loads(data)["result"]["questions"][0]["themes"]
    assert _request(server, "GET", "/assets/review.js")[0] == 200
    assert _request(server, "GET", "/assets/../session.py")[0] == 404
    assert _request(server, "GET", "/api/overview", host="evil.example:80")[0] == 403  # DNS rebinding


def test_tokenless_and_cross_origin_changes_get_403_and_change_nothing(server, outdir):
    tid = _theme_of(outdir, "R01")
    before = {f: (outdir / f).read_bytes() for f in TABLES}
    body = {"theme_id": tid, "name": "Hijacked"}
    assert _request(server, "POST", "/api/rename", body, token=False)[0] == 403
    assert _request(server, "POST", "/api/rename", body, origin="http://evil.example")[0] == 403
    assert _request(server, "POST", "/api/rename", body, origin=False)[0] == 403
    assert _request(server, "POST", "/api/rename", body, kind="text/plain")[0] == 403
    assert _request(server, "POST", "/api/save", {}, origin="null")[0] == 403
    assert server.session.unsaved == 0 and server.session.theme_name(tid) != "Hijacked"
    assert {f: (outdir / f).read_bytes() for f in TABLES} == before
    status, _, data = _request(server, "POST", "/api/rename", body)
    assert status == 200 and json.loads(data)["status"]["unsaved"] == 1
    assert _request(server, "POST", "/api/save", {})[0] == 200
    assert _read(outdir / "themes.csv").set_index("theme_id").at[str(tid), "name"] == "Hijacked"


def test_server_reports_bad_edits_as_400(server):
    status, _, data = _request(server, "POST", "/api/rename", {"theme_id": 999, "name": "x"})
    assert status == 400 and "no theme 999" in json.loads(data)["error"]
    assert _request(server, "POST", "/api/undo", {})[0] == 400
    assert _request(server, "POST", "/api/nothing", {})[0] == 404


def test_other_methods_big_bodies_and_a_busy_port(server):
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        assert _request(server, method, "/api/rename", {"theme_id": 1, "name": "x"})[0] == 403
    status, headers, _ = _request(server, "HEAD", f"/?token={server.token}")
    assert status == 200 and "server" not in {k.lower() for k in headers}
    assert _request(server, "POST", "/api/rename", {"name": "x" * (1 << 20)})[0] == 413
    assert server.session.unsaved == 0
    with pytest.raises(ConfigError, match="--port"):
        ReviewServer(server.session, port=server.port)


def test_answers_go_out_as_data_and_the_page_never_parses_them(outdir):
    from themes.review.server import ASSETS

    script = (ASSETS / "review.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script
    assert "http://" not in script + (ASSETS / "index.html").read_text()   # nothing from the network
    responses = _read(outdir / "responses.csv")
    page = views.search(ReviewSession(outdir), "scorecard")
    assert page["total"] == int(responses["text"].str.contains("scorecard", case=False).sum())


def test_paging(outdir):
    s = ReviewSession(outdir)
    tid = _theme_of(outdir, "R01")
    page = views.theme_page(s, tid, page=1)
    assert page["pages"] == 1 and page["total"] == len(page["answers"])
    unassigned = views.theme_page(s, None, page=5)
    assert unassigned["page"] == unassigned["pages"]


def test_ctrl_c_stops_the_server_cleanly(outdir):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src"
    proc = subprocess.Popen([sys.executable, "-m", "themes.cli", "review", str(outdir), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(src)},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = proc.stdout.readline()
    assert "http://127.0.0.1:" in first and "token=" in first
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Stopped." in out and "Traceback" not in out
