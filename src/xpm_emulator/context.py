"""The parts of one running emulator, shared by its routes (`app.state.emulator`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from xpm_emulator.clock import Clock
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.faults import FaultInjector
from xpm_emulator.limits import RateLimiter
from xpm_emulator.models import OAuthClient
from xpm_emulator.seed import apply_seed
from xpm_emulator.store import Store


@dataclass
class Emulator:
    config: EmulatorConfig
    store: Store
    clock: Clock
    limiter: RateLimiter = field(default_factory=RateLimiter)
    faults: FaultInjector = field(default_factory=FaultInjector)
    initial_config: EmulatorConfig = field(init=False)

    def __post_init__(self) -> None:
        self.initial_config = self.config

    def ensure_default_client(self) -> None:
        """Make sure the configured demo OAuth client is registered."""
        self.store.oauth_clients.setdefault(
            self.config.default_client_id,
            OAuthClient(self.config.default_client_id, self.config.default_client_secret),
        )

    def reset(self) -> None:
        """Back to how the emulator started: its config, the configured seed, and no
        tokens, calls, rate-limit usage or faults; real time again."""
        self.config = self.initial_config
        self.store.clear()
        self.clock.reset()
        self.limiter.reset()
        self.faults.clear()
        apply_seed(self.store, self.config.seed)
        self.ensure_default_client()


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator
