"""A fake of GitHub's issue comment API on 127.0.0.1, for the action's comment step.

One pull request (``o/r`` number 7); comments by a person (``User``) and by the
workflow's token (``Bot``). Records each call and the Authorization header it came with.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPO, PR = "o/r", "7"
_LIST = re.compile(rf"^/repos/{REPO}/issues/{PR}/comments(\?.*)?$")
_ONE = re.compile(rf"^/repos/{REPO}/issues/comments/(\d+)$")


class FakeGitHub:
    def __init__(self, comments: list[dict[str, Any]] | None = None) -> None:
        self.comments: list[dict[str, Any]] = comments or []
        self.calls: list[str] = []
        self.tokens: set[str] = set()
        self.next_id = 1000
        self.url = ""
        self.refuse = False  # every call 403 (a fork's read-only token)

    def ours(self) -> list[str]:
        return [c["body"] for c in self.comments if c["user"]["type"] == "Bot"]

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        if self.refuse:
            return 403, {"message": "Resource not accessible by integration"}
        if _LIST.match(path) and method == "GET":
            page = int(m.group(1)) if (m := re.search(r"[?&]page=(\d+)", path)) else 1
            return 200, self.comments[(page - 1) * 100 : page * 100]
        if _LIST.match(path) and method == "POST":
            self.next_id += 1
            comment = {"id": self.next_id, "body": body["body"], "user": {"type": "Bot"}}
            self.comments.append(comment)
            return 201, self.comments[-1]
        found = _ONE.match(path)
        if found is None:
            return 404, {"message": "Not Found"}
        comment = next(c for c in self.comments if c["id"] == int(found.group(1)))
        if method == "PATCH":
            comment["body"] = body["body"]
            return 200, comment
        self.comments.remove(comment)
        return 204, None


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            fake.tokens.add(self.headers.get("Authorization", ""))
            if self.command != "GET":
                fake.calls.append({"POST": "create", "PATCH": "update"}.get(self.command, "delete"))
            status, data = fake.handle(self.command, self.path, body)
            payload = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    """Serve ``fake`` on 127.0.0.1 (a free port) while the block runs; ``fake.url`` is its base."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
