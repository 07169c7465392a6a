"""The review app's web server: the standard library's ``ThreadingHTTPServer`` on 127.0.0.1,
serving the bundled page and a small JSON API over a ``ReviewSession``.

Safe by construction:
- it binds 127.0.0.1 only, and answers only requests addressed to it (the Host header), so a
  web page cannot reach it through a DNS name that points at this machine;
- a random token, in the printed URL, is needed for the page and for every API call (header
  ``X-Review-Token``); every request that changes something must also come from the app's own
  origin (the ``Origin`` header) as JSON, so a page elsewhere cannot send one: anything else is
  403 and changes nothing;
- everything the page needs is bundled (no asset from the network), a Content-Security-Policy
  allows only the app's own script and style, and answers are put into the page as text;
- request lines are not logged (they hold the token); Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from themes.errors import ThemesError
from themes.review import split, views
from themes.review.save import save_review
from themes.review.session import ReviewSession

ASSETS = Path(__file__).with_name("assets")
REPORT_CSS = Path(__file__).parents[1] / "report" / "assets" / "report.css"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY", "Cross-Origin-Resource-Policy": "same-origin",
}
MAX_BODY = 1 << 20


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ThemesError(f"'{name}' must be a whole number, got {value!r}.") from None


def _theme(value):
    return None if value in (None, "", "none") else _int(value, "theme_id")


def actions(s: ReviewSession) -> dict:
    """The POST operations: name -> function of the JSON body."""
    return {
        "rename": lambda b: s.rename_theme(_int(b.get("theme_id"), "theme_id"), str(b.get("name", ""))),
        "describe": lambda b: s.describe(_int(b.get("theme_id"), "theme_id"), str(b.get("description", ""))),
        "merge": lambda b: s.merge([_int(i, "theme_ids") for i in b.get("theme_ids") or []], b.get("name") or None),
        "delete": lambda b: s.delete(_int(b.get("theme_id"), "theme_id")),
        "move_answer": lambda b: s.move_answer(str(b.get("response_id")), _theme(b.get("theme_id"))),
        "move_sentence": lambda b: s.move_sentence(str(b.get("response_id")), _int(b.get("segment_index"), "segment_index"),
                                                   _theme(b.get("theme_id"))),
        "reviewed": lambda b: s.mark_reviewed(_int(b.get("theme_id"), "theme_id"), bool(b.get("reviewed", True))),
        "pin": lambda b: s.pin(_int(b.get("theme_id"), "theme_id"), str(b.get("response_id")),
                               _int(b.get("segment_index"), "segment_index"), str(b.get("action", "pin"))),
        "split_preview": lambda b: split.preview(s, _int(b.get("theme_id"), "theme_id"), _int(b.get("parts", 2), "parts")),
        "split": lambda b: split.split(s, _int(b.get("theme_id"), "theme_id"), _int(b.get("parts", 2), "parts"),
                                       [str(n) for n in b.get("names") or []]),
        "undo": lambda b: s.undo(),
        "save": lambda b: save_review(s),
        "reviewer": lambda b: {"reviewer": s.set_reviewer(str(b.get("name", "")))},
    }


def queries(s: ReviewSession) -> dict:
    """The GET API: name -> function of the query parameters."""
    return {
        "overview": lambda q: views.overview(s),
        "theme": lambda q: views.theme_page(s, _theme(q.get("id")), _int(q.get("page", 1), "page")),
        "search": lambda q: views.search(s, q.get("q", ""), _int(q.get("page", 1), "page")),
        "history": lambda q: views.history(s),
    }


class ReviewServer:
    """``ReviewServer(session, port=0)``: bound at once (port 0: a free one); ``serve()`` runs it
    until Ctrl-C, ``start()`` in a background thread (tests), ``close()`` stops it."""

    def __init__(self, session: ReviewSession, port: int = 0):
        self.session = session
        self.token = secrets.token_urlsafe(24)
        self.actions, self.queries = actions(session), queries(session)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", int(port)), _handler(self))
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.origin}/?token={self.token}"
        self.thread: threading.Thread | None = None

    def hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self.token.encode())

    def serve(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self.httpd.server_close()

    def start(self) -> ReviewServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def close(self) -> None:
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread.join(5)
        self.httpd.server_close()


def _handler(app: ReviewServer):
    class Handler(BaseHTTPRequestHandler):
        server_version = "themes-review"
        sys_version = ""

        def log_message(self, format, *args):  # request lines hold the token: never logged
            pass

        def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for k, v in HEADERS.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, code: int, obj) -> None:
            self._send(code, json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"))

        def _deny(self, why: str) -> None:
            self._json(403, {"ok": False, "error": why})

        def _run(self, fn, arg) -> None:
            try:
                self._json(200, {"ok": True, "result": fn(arg), "status": views.status(app.session)})
            except ThemesError as exc:
                self._json(400, {"ok": False, "error": str(exc)})
            except Exception as exc:  # a bug: keep the app up, say so, log the traceback
                traceback.print_exc(file=sys.stderr)
                self._json(500, {"ok": False, "error": f"Internal error ({type(exc).__name__}: {exc}); see the "
                                                        "terminal. Nothing was saved."})

        def _host_ok(self) -> bool:
            if self.headers.get("Host", "") not in app.hosts():
                self._deny("This app answers only at 127.0.0.1.")
                return False
            return True

        def do_GET(self):
            if not self._host_ok():
                return
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path == "/":
                if not app.token_ok(query.get("token")):
                    return self._deny("Open the URL that `themes review` printed (it holds the session token).")
                return self._send(200, (ASSETS / "index.html").read_bytes(), TYPES[".html"])
            if url.path.startswith("/assets/"):
                name = url.path.rsplit("/", 1)[-1]
                path = REPORT_CSS if name == "report.css" else ASSETS / name
                if name in ("review.js", "review.css", "report.css") and path.is_file():
                    return self._send(200, path.read_bytes(), TYPES[path.suffix])
                return self._json(404, {"ok": False, "error": "not found"})
            if url.path.startswith("/api/"):
                if not app.token_ok(self.headers.get("X-Review-Token")):
                    return self._deny("Missing or wrong session token.")
                fn = app.queries.get(url.path[5:])
                if fn is None:
                    return self._json(404, {"ok": False, "error": f"no such view {url.path}"})
                return self._run(fn, query)
            return self._json(404, {"ok": False, "error": "not found"})

        do_HEAD = do_GET

        def do_POST(self):
            if not self._host_ok():
                return
            url = urlsplit(self.path)
            if not app.token_ok(self.headers.get("X-Review-Token")):
                return self._deny("Missing or wrong session token.")
            if self.headers.get("Origin") != app.origin or self.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
                return self._deny("Changes are accepted only from the review page itself (same origin).")
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                return self._deny("Changes are sent as JSON.")
            fn = app.actions.get(url.path[5:]) if url.path.startswith("/api/") else None
            if fn is None:
                return self._json(404, {"ok": False, "error": f"no such action {url.path}"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._json(413, {"ok": False, "error": "request too large"})
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except (ValueError, UnicodeDecodeError):
                return self._json(400, {"ok": False, "error": "the request body is not JSON"})
            if not isinstance(body, dict):
                return self._json(400, {"ok": False, "error": "the request body must be a JSON object"})
            return self._run(fn, body)

        def _refuse(self):
            self._deny("Method not allowed.")

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    return Handler


def serve(session: ReviewSession, port: int = 0, open_browser: bool = True, say=print) -> None:
    """Run the app until Ctrl-C; print its URL and (unless told not to) open it in the browser."""
    server = ReviewServer(session, port)
    say(f"Reviewing {session.outdir} at {server.url}")
    say("Keep this window open while you review; press Ctrl-C to stop (save in the page first).")
    if open_browser:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    server.serve()
    left = session.unsaved
    say("Stopped." + (f" {left} edit(s) were not saved." if left else " Everything was saved."))
