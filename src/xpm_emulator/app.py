"""The emulator as a Starlette app: XPM API, identity stand-ins and control API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette

from xpm_emulator import control, gateway, identity
from xpm_emulator.clock import Clock
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.context import Emulator
from xpm_emulator.seed import apply_seed
from xpm_emulator.store import Store

logger = logging.getLogger(__name__)


def create_app(
    config: EmulatorConfig | None = None,
    store: Store | None = None,
    clock: Clock | None = None,
) -> Starlette:
    """An emulator app. A given `store` is used as it is; otherwise the store is loaded
    from `config.state_path` when that file exists, else seeded with `config.seed`.
    With a `state_path` the store is saved there at shutdown."""
    config = config or EmulatorConfig()
    if store is None:
        state_file = Path(config.state_path) if config.state_path else None
        if state_file is not None and state_file.exists():
            store = Store.load(state_file)
        else:
            store = Store()
            apply_seed(store, config.seed)
    emulator = Emulator(config=config, store=store, clock=clock or Clock())
    emulator.ensure_default_client()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if emulator.config.state_path:
            emulator.store.save(emulator.config.state_path)
            logger.info("saved emulator state to %s", emulator.config.state_path)

    app = Starlette(
        routes=[*gateway.ROUTES, *identity.ROUTES, *control.ROUTES],
        exception_handlers=control.EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
