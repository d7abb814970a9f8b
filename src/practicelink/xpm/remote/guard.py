"""What a hostile or broken XPM answer cannot do: be too big, or arrive too late.

- **Size.** An answer is read as it arrives and refused once it passes `max_bytes`, counted
  both as received and once inflated (`Content-Encoding: gzip` or `deflate`), so a gzip bomb
  is stopped after `max_bytes`, not after it has filled the memory.
- **Deadline.** The whole call, from connecting to the last byte, has one deadline. httpx
  times each read on its own, so an answer dripping a byte a second would never time out;
  at the deadline a watchdog shuts the connection's socket, which ends whatever read is
  waiting.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx

from .errors import XpmProtocolError

MAX_ANSWER_BYTES = 50_000_000
"""50 MB: a detailed client list of 10,000 clients is about 25 MB."""

ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class Deadline:
    """The time a call must be over by; `expired` once its watchdog has fired."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def passed(self) -> bool:
        return self.expired or self.remaining() <= 0

    def watch(self, stream: Any) -> None:
        """Cut `stream` (an httpcore network stream) when the deadline comes."""
        sock = stream.get_extra_info("socket") if stream is not None else None
        with self._lock:
            self._socket = sock
            if self.expired:
                self._cut()

    def trace(self, name: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension: watch a new connection as soon as it is open."""
        if name == "connection.connect_tcp.complete":
            self.watch(info.get("return_value"))

    def fire(self) -> None:
        with self._lock:
            self.expired = True
            self._cut()

    def _cut(self) -> None:
        if self._socket is not None:
            # The plain socket's shutdown, also under TLS: it wakes a blocked read at once.
            with suppress(OSError):
                socket.socket.shutdown(self._socket, socket.SHUT_RDWR)


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """A `Deadline` whose watchdog runs for the duration of the block."""
    call = Deadline(seconds)
    watchdog = threading.Timer(seconds, call.fire)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield call
    finally:
        watchdog.cancel()


class AnswerTooLarge(XpmProtocolError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the answer is larger than {max_bytes:,} bytes")
        self.max_bytes = max_bytes


def _inflater(encoding: str) -> Callable[[bytes, int], bytes]:
    """`inflate(chunk, at_most)` for a `Content-Encoding`."""
    if encoding in ("", "identity"):
        return lambda chunk, _at_most: chunk
    if encoding not in _WBITS:
        raise XpmProtocolError(f"the answer is encoded as {encoding!r}")
    inflater = zlib.decompressobj(_WBITS[encoding])

    def inflate(chunk: bytes, at_most: int) -> bytes:
        try:
            return inflater.decompress(chunk, at_most)
        except zlib.error as exc:
            raise XpmProtocolError(f"the {encoding} answer is corrupt ({exc})") from None

    return inflate


def read_body(response: httpx.Response, max_bytes: int, call: Deadline) -> bytes:
    """The body of a streamed `response`, inflated; `AnswerTooLarge` past `max_bytes`.

    A read the deadline ends raises httpx's error; the caller sees `call.passed()`."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise AnswerTooLarge(max_bytes)
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport), already inflated
        if len(response.content) > max_bytes:
            raise AnswerTooLarge(max_bytes)
        return response.content
    inflate = _inflater(response.headers.get("Content-Encoding", "").strip().lower())
    body = bytearray()
    for chunk in response.iter_raw():
        # Asking for one byte more than is left tells "exactly full" from "too large".
        body += inflate(chunk, max_bytes - len(body) + 1)
        if len(body) > max_bytes or response.num_bytes_downloaded > max_bytes:
            raise AnswerTooLarge(max_bytes)
        if call.passed():
            raise httpx.ReadTimeout("the call's deadline passed")
    return bytes(body)
