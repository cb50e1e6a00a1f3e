"""The sandbox over real HTTP: ``http.server`` with a thread per connection.

Faults that lose the answer happen on the socket, as they would in production:
``timeout`` creates the campaign and then holds the connection silent for
``stall_seconds`` (longer than any sane client timeout); ``reset`` creates it and then
resets the connection (RST) without a byte of answer.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from reconciler.sandbox.core import Sandbox, SandboxResponse
from reconciler.sandbox.faults import Fault

DEFAULT_STALL_SECONDS = 300.0
MAX_BODY = 50 * 1024 * 1024


class SandboxServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer answering from a ``Sandbox``; ``stop`` ends stalls at shutdown."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        sandbox: Sandbox,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        latency: float = 0.0,
        stall_seconds: float = DEFAULT_STALL_SECONDS,
        access_log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.sandbox = sandbox
        self.latency = latency
        self.stall_seconds = stall_seconds
        self.access_log = access_log
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}"

    def close(self) -> None:
        """End stalls, stop serving (if serving) and close the socket."""
        self.stop.set()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and the body of an answer are two writes; with Nagle's
    # algorithm the body waited for the client's delayed ACK, 40 ms per request on
    # loopback (measured: 42 ms -> ~1 ms per create; benchmarks/RESULTS.md).
    disable_nagle_algorithm = True
    server: SandboxServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length > 0 else b""
        with self.server.sandbox.deciding(self.path):
            if self.server.latency > 0:
                self.server.stop.wait(self.server.latency)
            answer = self.server.sandbox.handle(self.command, self.path, dict(self.headers), body)
        if answer.lost is Fault.TIMEOUT:
            self._log(f"{answer.status} then stalled (injected timeout)")
            self.server.stop.wait(self.server.stall_seconds)
            self.close_connection = True
            return
        if answer.lost is Fault.RESET:
            self._log(f"{answer.status} then reset (injected)")
            self._reset()
            return
        self._send(answer)

    def _send(self, answer: SandboxResponse) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _log(self, what: str) -> None:
        if self.server.access_log is not None:
            self.server.access_log(f"{self.command} {self.path.split('?', 1)[0]} {what}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self._log(str(code))

    def log_message(self, format: str, *args: object) -> None:
        if self.server.access_log is not None:
            self.server.access_log(format % args)


def stderr_log(line: str) -> None:
    """Access log on stderr (stdout carries only the URL)."""
    sys.stderr.write(f"sandbox: {line}\n")
    sys.stderr.flush()


@contextmanager
def serving(server: SandboxServer) -> Iterator[SandboxServer]:
    """Serve ``server`` on a background thread for the duration of the block (tests, demos)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        thread.join()
        server.server_close()
