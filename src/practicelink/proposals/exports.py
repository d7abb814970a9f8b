"""CSV export of a proposals list: streamed from chunked reads, safe to open in a spreadsheet.

Integrations add columns without this app importing them: they register a `ColumnProvider`
in `extra_columns` (e.g. from their AppConfig.ready). A provider gets the ids of each chunk
of proposals at once, so it can fetch its values in one query per chunk.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.db.models.sql.constants import MULTI
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from practicelink.proposals.models import DeploymentStatus, Proposal, Status, proposal_reference
from practicelink.team.models import Practice

CHUNK_SIZE = 2000
BASE_HEADERS = (
    "Number",
    "Title",
    "Client",
    "Status",
    "Partner",
    "Partner email",
    "Manager",
    "Manager email",
    "Total",
    "Created",
    "Sent",
    "Accepted",
)
#: always present: where the proposal's jobs stand in XPM (empty until accepted and deployed)
RESERVED_HEADERS = ("Deployment status", "XPM job numbers")

#: a cell a spreadsheet would run as a formula: starts with tab or CR, or with = + - @ (also
#: their full-width forms) after any whitespace or invisible characters, which spreadsheets trim
FORMULA_START = re.compile(
    r"^(?:[\t\r]|[\s\u200b-\u200d\u2060\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20])"
)

#: what a row is read from, in order (plain values: no model instances per row)
ROW_FIELDS = (
    "pk",
    "number",
    "title",
    "client__name",
    "status",
    "client__partner__name",
    "client__partner__email",
    "client__manager__name",
    "client__manager__email",
    "total",
    "created_at",
    "sent_at",
    "accepted_at",
    "deployment_status",
    "job_numbers",
)
STATUS_LABELS = dict(Status.choices)
DEPLOYMENT_LABELS = {value: label for value, label in DeploymentStatus.choices if value}

#: proposal pk → header → value
ColumnValues = Mapping[int, Mapping[str, str]]


@dataclass(frozen=True)
class ColumnProvider:
    headers: tuple[str, ...]
    fetch: Callable[[Sequence[int]], ColumnValues]  # proposal ids of one chunk → values


class ColumnRegistry:
    """Extra export columns: the reserved ones first, then any others providers declare."""

    def __init__(self, reserved: tuple[str, ...]) -> None:
        self.reserved = reserved
        self._providers: list[ColumnProvider] = []

    def register(self, provider: ColumnProvider) -> None:
        if provider not in self._providers:
            self._providers.append(provider)

    def unregister(self, provider: ColumnProvider) -> None:
        self._providers.remove(provider)

    @property
    def headers(self) -> tuple[str, ...]:
        declared = [h for p in self._providers for h in p.headers if h not in self.reserved]
        return self.reserved + tuple(dict.fromkeys(declared))

    def values(self, proposal_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        merged: dict[int, dict[str, str]] = {}
        for provider in self._providers:
            for pk, cells in provider.fetch(proposal_ids).items():
                merged.setdefault(pk, {}).update(cells)
        return merged


extra_columns = ColumnRegistry(RESERVED_HEADERS)


#: first characters of a cell that may start a formula (FORMULA_START decides); any other
#: first character that is not whitespace makes the cell safe without running the pattern
FORMULA_FIRST = frozenset("\t\r=+-@\uff1d\uff0b\uff0d\uff20\u200b\u200c\u200d\u2060\ufeff")


def safe_cell(value: str) -> str:
    """Defuse formula injection (OWASP "CSV injection"): such a cell is prefixed with `'`."""
    first = value[:1]
    if first and (first in FORMULA_FIRST or first.isspace()) and FORMULA_START.match(value):
        return f"'{value}"
    return value


def _when(moment: datetime | None, zone: tzinfo) -> str:
    """`YYYY-MM-DD HH:MM` in the practice's time zone (isoformat: twice as fast as strftime).

    The value comes as the driver gives it: aware (PostgreSQL), or naive UTC (SQLite, where
    Django stores UTC)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).isoformat(" ", "minutes")[:16]


def _row(
    values: Sequence[Any], extra_headers: Sequence[str], extra: Mapping[str, str], zone: tzinfo
) -> list[str]:
    (_, number, title, client, status, p_name, p_email, m_name, m_email) = values[:9]
    (total, created, sent, accepted, deployment, job_numbers) = values[9:]
    deployed = (DEPLOYMENT_LABELS.get(deployment, ""), job_numbers)
    if extra:  # a provider's value wins over the reserved column's own
        cells = [extra.get(h, d) for h, d in zip(RESERVED_HEADERS, deployed, strict=True)]
        cells += [extra.get(header, "") for header in extra_headers[len(RESERVED_HEADERS) :]]
    else:
        cells = [*deployed, *("" for _ in extra_headers[len(RESERVED_HEADERS) :])]
    return [
        proposal_reference(number),
        safe_cell(title),
        safe_cell(client),
        STATUS_LABELS[status],
        safe_cell(p_name) if p_name else "",
        safe_cell(p_email) if p_email else "",
        safe_cell(m_name) if m_name else "",
        safe_cell(m_email) if m_email else "",
        f"{total:.2f}",  # 2 places, as the DecimalField: from the driver's float, int or Decimal
        _when(created, zone),
        _when(sent, zone),
        _when(accepted, zone),
        *[safe_cell(cell) for cell in cells],
    ]


def _chunks(proposals: QuerySet[Proposal], chunk_size: int) -> Iterator[list[Sequence[Any]]]:
    """The rows of ROW_FIELDS as the database driver gives them, `chunk_size` at a time.

    Straight from the compiler's chunked read (a server-side cursor on PostgreSQL): Django's
    per-value conversions (every date made aware again, every total a new Decimal) cost as
    much as the read itself, and `_row` turns the driver's values into text directly.
    """
    query = proposals.values_list(*ROW_FIELDS).query
    compiler = query.get_compiler(using=proposals.db)
    yield from compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=chunk_size) or ()


def csv_chunks(
    proposals: QuerySet[Proposal], *, bom: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """The header row, then one encoded piece per chunk of rows read from the database.

    The chunked read keeps at most one chunk of rows in memory (a server-side cursor on
    PostgreSQL), so memory does not grow with the number of rows. The rows are value
    tuples: building four model instances per row would double the export's time.
    """
    extra_headers = extra_columns.headers
    zone = timezone.get_current_timezone()  # once: looking it up per cell was a third of the time
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow([safe_cell(h) for h in (*BASE_HEADERS, *extra_headers)])
    yield (b"\xef\xbb\xbf" if bom else b"") + take()
    for batch in _chunks(proposals, chunk_size):
        extras = extra_columns.values([row[0] for row in batch])
        writer.writerows(_row(row, extra_headers, extras.get(row[0], {}), zone) for row in batch)
        yield take()


def content_disposition(practice: Practice, day: date) -> str:
    """`proposals-<practice>-<day>.csv`: ASCII `filename`, plus RFC 5987 `filename*` if needed."""
    ascii_name = f"proposals-{slugify(practice.name) or 'practice'}-{day.isoformat()}.csv"
    header = f'attachment; filename="{ascii_name}"'
    unicode_slug = slugify(practice.name, allow_unicode=True) or "practice"
    unicode_name = f"proposals-{unicode_slug}-{day.isoformat()}.csv"
    if unicode_name != ascii_name:
        header += f"; filename*=UTF-8''{quote(unicode_name)}"
    return header


def csv_response(
    proposals: QuerySet[Proposal], *, practice: Practice, bom: bool
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(proposals, bom=bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition(practice, timezone.localdate())
    response["Cache-Control"] = "private, no-store"
    return response
