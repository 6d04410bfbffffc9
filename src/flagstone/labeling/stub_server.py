"""A stub OpenAI-compatible chat-completions server on loopback: the LLM labeler's shipped test double.

It is a real HTTP server (stdlib, threaded) that speaks ``POST /v1/chat/completions`` and
``GET /v1/models``, so tests exercise the real ``openai`` SDK, sockets and timeouts. Replies are
scripted per request with behaviours:

``ok``         a well-formed JSON label (decisions from ``responder``)
``fenced``     the same JSON wrapped in a Markdown code fence
``malformed``  content that is not JSON
``incomplete`` JSON missing categories
``rate_limit`` HTTP 429 with ``Retry-After`` (``retry_after`` seconds)
``error``      HTTP 500 with an OpenAI error envelope
``slow``       sleeps ``delay_s`` before an ``ok`` reply (to trigger client timeouts)

``script`` maps a marker substring of the text to the behaviours for successive requests whose
text contains it (then ``ok``); texts without a marker take ``default_script`` in order, then ``ok``.
Run by hand: ``python -m flagstone.labeling.stub_server --port 8099``.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flagstone.policy.taxonomy import CATEGORIES

Responder = Callable[[str], dict[str, bool]]
_TEXT = re.compile(r"<<<TEXT\n(.*)\nTEXT>>>", re.DOTALL)


def keyword_responder(keywords: dict[str, Sequence[str]]) -> Responder:
    """Decide a category true when one of its keywords appears in the text (case-insensitive)."""

    def respond(text: str) -> dict[str, bool]:
        low = text.lower()
        return {c: any(k.lower() in low for k in keywords.get(c, ())) for c in CATEGORIES}

    return respond


class StubChatServer:
    """Context manager: ``with StubChatServer() as s: OpenAI(base_url=s.base_url)``."""

    def __init__(self, *, responder: Responder | None = None, script: dict[str, list[str]] | None = None,
                 default_script: list[str] | None = None, delay_s: float = 2.0, retry_after: float = 0.05,
                 categories: Sequence[str] = CATEGORIES, port: int = 0) -> None:
        self.responder = responder or keyword_responder({})
        self.categories = list(categories)
        self.delay_s, self.retry_after = delay_s, retry_after
        self._script = {k: list(v) for k, v in (script or {}).items()}
        self._default = list(default_script or [])
        self._lock = threading.Lock()
        self.requests: list[dict] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> StubChatServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="stub-chat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StubChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_behaviour(self, text: str) -> str:
        with self._lock:
            for marker, queue in self._script.items():
                if marker in text:
                    return queue.pop(0) if queue else "ok"
            return self._default.pop(0) if self._default else "ok"

    def reply_content(self, text: str, behaviour: str) -> str:
        decisions = self.responder(text)
        cats = {c: {"decision": bool(decisions.get(c, False)), "rationale": f"stub decision for {c}"}
                for c in self.categories}
        if behaviour == "malformed":
            return '{"categories": {"harassment": {"decision": tru'  # cut off mid-token
        if behaviour == "incomplete":
            return json.dumps({"categories": dict(list(cats.items())[:2])})
        body = json.dumps({"categories": cats})
        return f"```json\n{body}\n```" if behaviour == "fenced" else body

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _handler_for(stub: StubChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        def _error(self, status: int, message: str, type_: str, headers: dict[str, str] | None = None) -> None:
            self._send(status, {"error": {"message": message, "type": type_, "param": None, "code": None}},
                       headers)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": "stub", "object": "model", "owned_by": "x"}]})
            else:
                self._error(404, f"no route {self.path}", "invalid_request_error")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._error(404, f"no route {self.path}", "invalid_request_error")
                return
            try:
                req = json.loads(raw)
                user = next(m["content"] for m in reversed(req["messages"]) if m["role"] == "user")
            except (ValueError, KeyError, TypeError, StopIteration):
                self._error(400, "body must be a chat-completions request", "invalid_request_error")
                return
            match = _TEXT.search(user)
            text = match.group(1) if match else user
            behaviour = stub.next_behaviour(text)
            with stub._lock:
                stub.requests.append({**req, "behaviour": behaviour, "text": text})
            stub._enter()
            try:
                self._reply(req, text, behaviour)
            finally:
                stub._leave()

        def _reply(self, req: dict, text: str, behaviour: str) -> None:
            if behaviour == "rate_limit":
                self._error(429, "rate limited", "rate_limit_exceeded", {"Retry-After": str(stub.retry_after)})
                return
            if behaviour == "error":
                self._error(500, "internal error", "server_error")
                return
            if behaviour == "slow":
                time.sleep(stub.delay_s)
            content = stub.reply_content(text, behaviour)
            prompt_tokens = sum(len(m.get("content", "").split()) for m in req["messages"])
            self._send(200, {
                "id": f"chatcmpl-stub-{len(stub.requests)}", "object": "chat.completion",
                "created": int(time.time()), "model": req.get("model", "stub"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content.split()),
                          "total_tokens": prompt_tokens + len(content.split())},
            })

    return Handler


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - manual use
    ap = argparse.ArgumentParser(description="stub OpenAI-compatible chat server for the LLM labeler")
    ap.add_argument("--port", type=int, default=8099)
    args = ap.parse_args(argv)
    server = StubChatServer(port=args.port).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
