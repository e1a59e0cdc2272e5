"""A scripted HTTP server on 127.0.0.1 for tests of fetchers: each path answers a queue of recorded or
broken responses (status, headers, body, delay), and every request is logged."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import sleep as _sleep  # own reference: tests patch time.sleep to skip backoff


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    truncate_to: int | None = None  # send fewer bytes than Content-Length announces


@dataclass
class Script:
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def add(self, path: str, *replies: Reply) -> None:
        self.replies.setdefault(path, []).extend(replies)


def send(
    handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes, announced: int | None = None
) -> None:
    """Answer a request; `announced` is the Content-Length to claim (default: the body's length)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if announced is None else announced))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
        pass


def server_for(handler_class) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server on a free port of 127.0.0.1 and the (not yet started) thread that serves it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    return server, threading.Thread(target=server.serve_forever, daemon=True)


class Served:
    """A request handler class served on a free port of 127.0.0.1 while in a `with` block."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    def serve(self, handler_class) -> None:
        self.server, self.thread = server_for(handler_class)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class LocalServer(Served):
    def __init__(self):
        self.script = Script()
        script = self.script

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                script.requests.append(self.path)
                queue = script.replies.get(self.path.split("?")[0]) or []
                reply = (
                    queue.pop(0) if len(queue) > 1 else (queue[0] if queue else Reply(404, b"not found", "text/plain"))
                )
                if reply.delay:
                    _sleep(reply.delay)
                body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                send(self, reply.status, reply.content_type, body, announced=len(reply.body))

            def log_message(self, *args):
                pass

        self.serve(Handler)
