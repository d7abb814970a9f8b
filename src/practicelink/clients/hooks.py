"""What the clients app tells integrations it knows nothing about (e.g. XPM).

An integration appends its handlers from its `AppConfig.ready()`; the clients services call
them once the transaction that created or changed a client has committed. Values that came
from an integration itself (`client_set_synced`) do not call them: there is nothing to send
back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.safestring import SafeString

from practicelink.team.access import MemberRequest

if TYPE_CHECKING:
    from practicelink.clients.models import Client


@dataclass(frozen=True)
class ClientColumn:
    """An extra column of the clients list: its heading and one rendered cell per client id."""

    head: str
    cells: dict[int, SafeString]


class ClientListDecorator(Protocol):
    def column(self, request: MemberRequest, clients: Sequence[Client]) -> ClientColumn | None:
        """The column to add for these clients (one page), or None to add nothing."""

    def panel(self, request: MemberRequest) -> SafeString:
        """HTML shown above the list ('' for nothing)."""


client_saved_handlers: list[Callable[[Client], None]] = []
"""Called with a client created or changed here, on commit."""
client_list_decorators: list[ClientListDecorator] = []
