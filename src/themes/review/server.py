"""The review app's web server: a small Starlette app served by uvicorn on 127.0.0.1, serving
the bundled page and a JSON API over a ``ReviewSession``.

Safe by construction:
- it binds 127.0.0.1 only, and answers only requests addressed to it (the Host header), so a
  web page cannot reach it through a DNS name that points at this machine;
- a random token, in the printed URL, is needed for the page and for every API call (header
  ``X-Review-Token``); every request that could change something must also come from the app's
  own origin (the ``Origin`` header) as JSON, so a page elsewhere cannot send one: anything else
  is 403 and changes nothing (``ReviewServer.refusal``, checked before routing);
- everything the page needs is bundled (no asset from the network), a Content-Security-Policy
  allows only the app's own script and style, and answers are put into the page as text;
- nothing is logged per request (request lines hold the token); neither library sends anything
  anywhere; Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import hmac
import json
import secrets
import socket
import sys
import threading
import time
import traceback
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from themes.errors import ConfigError, ThemesError
from themes.review import split, views
from themes.review.save import save_review
from themes.review.session import ReviewSession

ASSETS = Path(__file__).with_name("assets")
REPORT_CSS = Path(__file__).parents[1] / "report" / "assets" / "report.css"
FILES = {"review.js": ASSETS / "review.js", "review.css": ASSETS / "review.css", "report.css": REPORT_CSS}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY", "Cross-Origin-Resource-Policy": "same-origin",
}
MAX_BODY = 1 << 20
SAFE_METHODS = ("GET", "HEAD")


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


def _send(code: int, body: bytes, kind: str = "application/json") -> Response:
    return Response(body, status_code=code, headers=HEADERS, media_type=kind)


def _json(code: int, obj) -> Response:
    return _send(code, json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"))


def _deny(why: str) -> Response:
    return _json(403, {"ok": False, "error": why})


class _Guard:
    """ASGI middleware in front of every route: a request the server refuses (``refusal``) gets
    403 before it reaches any route, so it can change nothing."""

    def __init__(self, app, server: ReviewServer):
        self.app, self.server = app, server

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            why = self.server.refusal(Headers(scope=scope), scope["method"])
            if why:
                return await _deny(why)(scope, receive, send)
        elif scope["type"] != "lifespan":
            return None  # no websockets or anything else
        await self.app(scope, receive, send)


def build_app(server: ReviewServer) -> Starlette:
    """The Starlette app: the page (token in the query), the bundled assets, the GET views and
    the POST edits of ``queries``/``actions`` (token header)."""
    session = server.session

    async def run(fn, arg) -> Response:
        try:
            result = await run_in_threadpool(fn, arg)
            return _json(200, {"ok": True, "result": result, "status": views.status(session)})
        except ThemesError as exc:
            return _json(400, {"ok": False, "error": str(exc)})
        except Exception as exc:  # a bug: keep the app up, say so, log the traceback
            traceback.print_exc(file=sys.stderr)
            return _json(500, {"ok": False, "error": f"Internal error ({type(exc).__name__}: {exc}); see the "
                                                     "terminal. Nothing was saved."})

    async def page(request: Request) -> Response:
        if not server.token_ok(request.query_params.get("token")):
            return _deny("Open the URL that `themes review` printed (it holds the session token).")
        return _send(200, (ASSETS / "index.html").read_bytes(), TYPES[".html"])

    async def asset(request: Request) -> Response:
        path = FILES.get(request.path_params["name"])
        if path is None or not path.is_file():
            return _json(404, {"ok": False, "error": "not found"})
        return _send(200, path.read_bytes(), TYPES[path.suffix])

    async def view(request: Request) -> Response:
        if not server.token_ok(request.headers.get("x-review-token")):
            return _deny("Missing or wrong session token.")
        fn = server.queries.get(request.path_params["name"])
        if fn is None:
            return _json(404, {"ok": False, "error": f"no such view {request.url.path}"})
        return await run(fn, {k: v for k, v in request.query_params.items() if v != ""})

    async def action(request: Request) -> Response:  # token, origin and JSON: checked by _Guard
        fn = server.actions.get(request.path_params["name"])
        if fn is None:
            return _json(404, {"ok": False, "error": f"no such action {request.url.path}"})
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return _json(413, {"ok": False, "error": "request too large"})
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                return _json(413, {"ok": False, "error": "request too large"})
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            return _json(400, {"ok": False, "error": "the request body is not JSON"})
        if not isinstance(body, dict):
            return _json(400, {"ok": False, "error": "the request body must be a JSON object"})
        return await run(fn, body)

    async def not_found(request: Request, exc) -> Response:
        return _json(404, {"ok": False, "error": "not found"})

    async def not_allowed(request: Request, exc) -> Response:
        return _deny("Method not allowed.")

    routes = [Route("/", page, methods=["GET"]), Route("/assets/{name}", asset, methods=["GET"]),
              Route("/api/{name}", view, methods=["GET"]), Route("/api/{name}", action, methods=["POST"])]
    return Starlette(routes=routes, middleware=[Middleware(_Guard, server=server)],
                     exception_handlers={404: not_found, 405: not_allowed})


class ReviewServer:
    """``ReviewServer(session, port=0)``: bound to 127.0.0.1 at once (port 0: a free one);
    ``serve()`` runs it until Ctrl-C, ``start()`` in a background thread (tests), ``close()``
    stops it."""

    def __init__(self, session: ReviewSession, port: int = 0):
        self.session = session
        self.token = secrets.token_urlsafe(24)
        self.actions, self.queries = actions(session), queries(session)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(("127.0.0.1", int(port)))
            self.socket.listen(128)
        except OSError as exc:
            self.socket.close()
            raise ConfigError(f"Cannot listen on 127.0.0.1 port {port} ({exc.strerror}). Pick another with "
                              "--port N, or leave --port out to use a free one.") from None
        self.port = int(self.socket.getsockname()[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.origin}/?token={self.token}"
        # No access log (request lines hold the token), no Server header, no proxy headers
        # trusted, no websockets, plain asyncio and h11; logging is left as the program set it.
        config = uvicorn.Config(build_app(self), log_config=None, log_level="warning", access_log=False,
                                server_header=False, proxy_headers=False, ws="none", http="h11", loop="asyncio",
                                lifespan="off", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    def hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self.token.encode())

    def refusal(self, headers, method: str) -> str | None:
        """Why a request is refused (403), or None: it must be addressed to this server; one that
        could change something also needs the token, the app's own origin and a JSON body."""
        if headers.get("host", "") not in self.hosts():
            return "This app answers only at 127.0.0.1."
        if method in SAFE_METHODS:
            return None  # the page and the API check the token themselves
        if not self.token_ok(headers.get("x-review-token")):
            return "Missing or wrong session token."
        if headers.get("origin") != self.origin or headers.get("sec-fetch-site", "same-origin") != "same-origin":
            return "Changes are accepted only from the review page itself (same origin)."
        if not headers.get("content-type", "").startswith("application/json"):
            return "Changes are sent as JSON."
        return None

    def serve(self) -> None:
        """Serve until Ctrl-C (uvicorn finishes the requests in flight, then stops)."""
        try:
            self.server.run(sockets=[self.socket])
        except KeyboardInterrupt:
            pass
        finally:
            self.socket.close()

    def start(self, timeout: float = 10.0) -> ReviewServer:
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        end = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive() and time.monotonic() < end:
            time.sleep(0.01)
        if not self.server.started:
            raise RuntimeError("the review server did not start")
        return self

    def close(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        self.socket.close()


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
