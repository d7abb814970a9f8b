"""Run the emulator: `python -m xpm_emulator.server --port 8765 --seed demo --state FILE`."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from xpm_emulator.app import create_app
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.gateway import DROP_EXTENSION


class DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus a way for the app to close a connection unanswered.

    Each request scope gets `extensions[DROP_EXTENSION]`, which aborts the transport
    (what the `drop` faults need: ASGI itself has no way to hang up).
    """

    def handle_events(self) -> None:
        super().handle_events()
        # The request task was created but has not run yet: its scope can still be extended.
        if self.scope is not None and self.transport is not None:
            extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
            extensions[DROP_EXTENSION] = self.transport.abort


def build_server(app: Starlette, host: str = "127.0.0.1", port: int = 8765) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=DroppableH11Protocol,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    return uvicorn.Server(config)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options, shared with `practicelink emulator`."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", choices=["demo", "none"], default="demo")
    parser.add_argument("--state", metavar="FILE", help="load state from FILE, save it at exit")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xpm-emulator", description=__doc__)
    add_arguments(parser)
    serve(parser.parse_args(argv))


def serve(args: argparse.Namespace) -> None:
    config = EmulatorConfig(seed=args.seed, state_path=args.state)
    server = build_server(create_app(config), args.host, args.port)
    print(f"XPM emulator on http://{args.host}:{args.port}/practicemanager/3.1/", flush=True)
    # uvicorn shuts down gracefully (saving --state), then re-raises Ctrl-C: exit quietly.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


if __name__ == "__main__":
    main()
