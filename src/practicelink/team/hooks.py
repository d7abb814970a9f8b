"""Extension points of Settings > Team, for integrations the team app knows nothing about.

An integration appends its extensions here from its `AppConfig.ready()`; the team views call
them at fixed points and treat what they return as opaque (fields, a saved warning, HTML).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.safestring import SafeString

from practicelink.team.access import MemberRequest

if TYPE_CHECKING:
    from practicelink.team.forms import MemberForm
    from practicelink.team.models import Member


class MemberFormExtension(Protocol):
    def extend(self, form: MemberForm) -> None:
        """Add fields to the add or edit form of `form.member` (None: adding) in `form.practice`;
        may complete the submitted data before it is validated."""

    def clean(self, form: MemberForm) -> None:
        """Check the submitted data with what the integration knows; may add form errors."""

    def save(self, form: MemberForm, member: Member, by: Member) -> str:
        """Act on the extra fields once `member` is saved, in the same transaction (a
        ValidationError undoes both). Returns a warning to show, or ''."""


@dataclass(frozen=True)
class MemberColumn:
    """An extra column of the team list: its heading and one rendered cell per member id."""

    head: str
    cells: dict[int, SafeString]


class MemberListDecorator(Protocol):
    def column(self, request: MemberRequest, members: Sequence[Member]) -> MemberColumn | None:
        """The column to add for these members, or None to add nothing."""

    def panel(self, request: MemberRequest) -> SafeString:
        """HTML shown under the list ('' for nothing)."""


member_form_extensions: list[MemberFormExtension] = []
member_list_decorators: list[MemberListDecorator] = []
