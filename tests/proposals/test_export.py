"""CSV export: the filtered list row for row, formula injection, filename, BOM, extra columns."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.proposals import exports
from practicelink.proposals.exports import ColumnProvider, content_disposition, safe_cell
from practicelink.proposals.models import Proposal
from practicelink.proposals.selectors import proposal_list
from practicelink.team.models import Practice
from tests.conftest import signed_in
from tests.proposals.cases import FILTER_CASES, case_id, query

pytestmark = pytest.mark.django_db
EXPORT = reverse("proposals:export")
HEADER = [
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
    "Deployment status",
    "XPM job numbers",
]


def content(response) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def parse(response) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(content(response).decode("utf-8"), newline="")))
    assert rows[0] == HEADER
    return rows[1:]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES, ids=map(case_id, FILTER_CASES))
def test_csv_holds_exactly_the_filtered_sorted_list(admin_web, dataset, params, expected):
    params = query(dataset, params)
    listed = admin_web.get(reverse("proposals:list"), {**params, "per_page": 10})
    exported = parse(admin_web.get(EXPORT, {**params, "page": 1, "per_page": 10}))
    # every page, not just the first one shown
    assert [row[0] for row in exported] == [f"PROP-{n:04d}" for n in expected]
    assert [p.reference for p in listed.context["page"]] == [r[0] for r in exported[:10]]


def test_rows_round_trip_commas_quotes_newlines_and_non_latin_names(admin_web, dataset):
    rows = {row[0]: row for row in parse(admin_web.get(EXPORT))}
    assert rows["PROP-0004"] == [
        "PROP-0004",
        "Bookkeeping, monthly",
        "Multi\nLine Pty",
        "Declined",
        "Zoë Žák",
        "zoe@alpha.example",
        "Mia Manager",
        "mia@alpha.example",
        "90.00",
        "2026-02-15 10:00",
        "2026-02-16 10:00",
        "",
        "",
        "",
    ]
    assert rows["PROP-0007"][1:8] == [
        'Audit "special"',
        'The "Quoted" Co',
        "Accepted",
        "Pat Partner",
        "pat@alpha.example",
        "Юлия Иванова",
        "yulia@alpha.example",
    ]
    assert rows["PROP-0007"][9:12] == ["2026-03-20 10:00", "2026-03-21 10:00", "2026-03-25 10:00"]
    assert rows["PROP-0008"][2:8] == [
        "株式会社 東京",
        "Draft",
        "Zoë Žák",
        "zoe@alpha.example",
        "",
        "",
    ]


def test_formula_cells_are_escaped_in_the_file(admin_web, dataset):
    rows = {row[0]: row for row in parse(admin_web.get(EXPORT))}
    assert rows["PROP-0005"][1] == "'@SUM(1+1)"
    assert rows["PROP-0006"][1:3] == ["'-2+3 advisory", '\'=HYPERLINK("http://evil.example")']
    assert rows["PROP-0006"][4:8] == ["", "", "", ""]


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        " =1+1",
        "\n=cmd|' /C calc'!A0",
        "\u00a0+1",
        "\u200b=1",
        "\ufeff@x",
        "\uff1d1+1",
    ],
)
def test_formula_starts_are_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "PROP-0001", "a=b", "1-2", "O'Brien", "Ünïcode", " x"])
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value) == value


def test_utf8_with_optional_bom_and_a_dated_filename(admin_web, dataset):
    plain = admin_web.get(EXPORT)
    assert plain["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert plain["Content-Disposition"] == f'attachment; filename="proposals-alpha-co-{today}.csv"'
    body = content(plain)
    assert body.startswith(b"Number,Title,")
    with_bom = content(admin_web.get(EXPORT, {"bom": "1"}))
    assert with_bom == b"\xef\xbb\xbf" + body


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("Alpha & Co", 'attachment; filename="proposals-alpha-co-2026-05-04.csv"'),
        (
            "Müller & Söhne",
            'attachment; filename="proposals-muller-sohne-2026-05-04.csv"; '
            "filename*=UTF-8''proposals-m%C3%BCller-s%C3%B6hne-2026-05-04.csv",
        ),
        (
            'Бух"учёт',
            'attachment; filename="proposals-practice-2026-05-04.csv"; '
            "filename*=UTF-8''proposals-%D0%B1%D1%83%D1%85%D1%83%D1%87%D1%91%D1%82-2026-05-04.csv",
        ),
    ],
)
def test_content_disposition_is_ascii_with_rfc5987_for_other_names(name, header):
    assert content_disposition(Practice(name=name), date(2026, 5, 4)) == header


def test_another_practices_member_gets_only_their_own_rows(client, dataset):
    """The export is scoped to the signed-in member's practice; there is no practice in the URL.

    So the other practice's rows are simply not there (an export of its own two rows), and
    naming this practice's partner or client is an invalid filter: 400, and no rows at all.
    """
    other = signed_in(dataset.other_member)
    rows = parse(other.get(EXPORT))
    assert [(r[0], r[2], r[4]) for r in rows] == [
        ("PROP-0002", "Acme, Ltd", "Olga Other"),
        ("PROP-0001", "Acme, Ltd", "Olga Other"),
    ]
    for params in ({"partner": dataset.pat.pk}, {"client": dataset.clients["acme"].pk}):
        response = other.get(EXPORT, params)
        assert response.status_code == 400
        assert b"Select a valid choice" in response.content
    assert client.get(EXPORT).status_code == 302  # signed out: to the login page


@pytest.fixture
def deployment_columns():
    calls: list[list[int]] = []

    def fetch(proposal_ids):
        calls.append(list(proposal_ids))
        proposals = Proposal.objects.filter(pk__in=proposal_ids).order_by("-number")
        return {
            p.pk: {"Deployment status": "deployed", "XPM job numbers": f"J{p.number}"}
            for p in proposals
            if p.status == "accepted"
        } | {proposal_ids[0]: {"XPM job count": "1"}}

    provider = ColumnProvider(
        headers=("Deployment status", "XPM job numbers", "XPM job count"), fetch=fetch
    )
    exports.extra_columns.register(provider)
    yield calls
    exports.extra_columns.unregister(provider)


def test_registered_providers_fill_columns_once_per_chunk(dataset, deployment_columns):
    proposals = proposal_list(practice=dataset.pat.practice)
    chunks = list(exports.csv_chunks(proposals, chunk_size=3))
    assert len(chunks) == 1 + 3  # the header, then 8 rows in chunks of 3
    ids = [[dataset.proposals[n].pk for n in chunk] for chunk in ([8, 7, 6], [5, 4, 3], [2, 1])]
    assert deployment_columns == ids
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode(), newline="")))
    assert rows[0] == [*HEADER, "XPM job count"]
    by_number = {row[0]: row[12:] for row in rows[1:]}
    assert by_number["PROP-0007"] == ["deployed", "J7", ""]
    assert by_number["PROP-0008"] == ["", "", "1"]
    assert by_number["PROP-0002"] == ["", "", "1"]
    assert by_number["PROP-0003"] == ["deployed", "J3", ""]
