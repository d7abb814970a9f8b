"""The proposals screen: filters, sorting, counts, pagination, htmx partial, query count."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from practicelink.proposals.models import Proposal
from tests.factories import ClientFactory
from tests.proposals.cases import FILTER_CASES, case_id, query

pytestmark = pytest.mark.django_db
URL = reverse("proposals:list")


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [proposal.number for proposal in response.context["page"]]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES, ids=map(case_id, FILTER_CASES))
def test_filters_list_exactly_the_expected_rows(admin_web, dataset, params, expected):
    response = admin_web.get(URL, {**query(dataset, params), "per_page": 200})
    assert listed(response) == expected


def test_pickers_offer_only_this_practices_members_and_clients(admin_web, dataset):
    form = admin_web.get(URL).context["filterset"].form
    partners = {str(label) for _, label in form.fields["partner"].choices}
    clients = {client.pk for client in form.fields["client"].queryset}
    assert "Olga Other" not in partners
    assert {"Pat Partner", "Zoë Žák", "Юлия Иванова", "No partner"} <= partners
    assert clients == {client.pk for client in dataset.clients.values()}
    first = {name: next(iter(form.fields[name].choices)) for name in ("partner", "manager")}
    assert first == {"partner": ("", "Any partner"), "manager": ("", "Any manager")}


def test_another_practices_member_or_client_is_an_error_not_a_leak(admin_web, dataset):
    response = admin_web.get(URL, {"partner": dataset.other_member.pk})
    assert listed(response) == []
    assert "Select a valid choice" in response.content.decode()
    response = admin_web.get(URL, {"client": dataset.other_client.pk})
    assert listed(response) == []


def test_a_member_id_is_read_as_the_database_reads_it(admin_web, dataset):
    for sent in (f" {dataset.pat.pk}", f"0{dataset.pat.pk}"):
        assert listed(admin_web.get(URL, {"partner": sent})) == [7, 3, 2, 1]
    response = admin_web.get(URL, {"manager": f"{dataset.mia.pk}.0"})
    assert listed(response) == []
    assert "Select a valid choice" in response.content.decode()


def test_counts_per_status_follow_every_filter_but_status(admin_web, dataset):
    params = {"partner": dataset.pat.pk, "status": "accepted"}
    response = admin_web.get(URL, params)
    counts = {status.value: count for status, count, _ in response.context["status_counts"]}
    assert counts == {"draft": 1, "sent": 1, "accepted": 2, "declined": 0, "lost": 0}
    assert listed(response) == [7, 3]
    assert response.context["page"].paginator.count == 2
    assert "2 proposals" in response.content.decode()
    both = admin_web.get(URL, {"partner": dataset.pat.pk, "status": ["draft", "accepted"]})
    assert both.context["page"].paginator.count == 3
    assert admin_web.get(URL, {"partner": dataset.pat.pk}).context["page"].paginator.count == 4


def test_the_client_picker_holds_only_the_chosen_client(admin_web, practice, dataset):
    ClientFactory.create_batch(30, practice=practice)
    body = admin_web.get(URL).content.decode()
    assert '<select name="client" id="id_client"><option value="">Any client</option></select>' in (
        body
    )
    chosen = dataset.clients["acme"]
    body = admin_web.get(URL, {"client": chosen.pk}).content.decode()
    assert f'<option value="{chosen.pk}" selected>Acme, Ltd</option></select>' in body
    assert body.count("<option") == body.count('<option value="') == body.count("</option>")


OPTIONS_URL = reverse("proposals:client-options")


def test_client_search_offers_matching_clients_of_this_practice_only(admin_web, dataset):
    body = admin_web.get(OPTIONS_URL, {"client_search": "acme"}).content.decode()
    acme = dataset.clients["acme"]
    assert body == (
        f'<option value="">Any client</option><option value="{acme.pk}">Acme, Ltd</option>'
    )  # Beta Ltd's "Acme, Ltd" is not offered
    body = admin_web.get(OPTIONS_URL, {"client_search": "CO"}).content.decode()
    assert "The &quot;Quoted&quot; Co" in body and "Acme" not in body


def test_client_search_keeps_the_chosen_client_and_says_when_to_type_more(
    admin_web, practice, dataset
):
    ClientFactory.create_batch(60, practice=practice, name="Zed Holdings")
    acme = dataset.clients["acme"]
    body = admin_web.get(OPTIONS_URL, {"client_search": "zed", "client": acme.pk}).content.decode()
    assert body.startswith(
        f'<option value="">Any client</option><option value="{acme.pk}" selected>Acme, Ltd</option>'
    )
    assert body.count("Zed Holdings") == 50
    assert body.endswith("<option disabled>More clients match: type more of the name</option>")
    other = admin_web.get(OPTIONS_URL, {"client": dataset.other_client.pk}).content.decode()
    assert "selected" not in other  # another practice's client is never named


def test_client_search_needs_a_member(client, standard_web, dataset):
    assert client.get(OPTIONS_URL).status_code == 302
    assert standard_web.get(OPTIONS_URL, {"client_search": "acme"}).status_code == 200


def test_filters_stay_in_links_sort_page_and_export(admin_web, dataset):
    params = {"partner": dataset.pat.pk, "sort": "total", "per_page": 25, "page": 1}
    body = admin_web.get(URL, params).content.decode()
    assert f'href="/proposals/export.csv?partner={dataset.pat.pk}&amp;sort=total"' in body
    # the Total heading now sorts descending, keeping the partner and page size
    assert f'href="?partner={dataset.pat.pk}&amp;per_page=25&amp;sort=-total"' in body
    assert 'aria-sort="ascending"' in body


def test_pagination_with_a_page_size_choice(admin_web, dataset):
    first = admin_web.get(URL, {"per_page": 25})
    assert first.context["page"].paginator.per_page == 25
    assert admin_web.get(URL, {"per_page": 7}).context["page"].paginator.per_page == 50
    page = admin_web.get(URL, {"per_page": 25, "page": 99}).context["page"]
    assert page.number == 1  # beyond the end: the last page (there is one)


def test_htmx_filter_request_gets_only_the_results(admin_web, dataset):
    headers = {"HX-Request": "true", "HX-Target": "results"}
    response = admin_web.get(URL, {"partner": dataset.pat.pk}, headers=headers)
    body = response.content.decode()
    assert "<html" not in body and 'id="filters"' not in body
    assert listed(response) == [7, 3, 2, 1]
    assert "Export CSV" in body


def test_the_page_works_without_javascript(admin_web, dataset):
    body = admin_web.get(URL).content.decode()
    assert '<form id="filters" class="card filters" method="get"' in body
    assert '<button type="submit" class="primary">Apply</button>' in body


@pytest.mark.parametrize("per_page", [10, 100])
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"partner": "pat"},
        {"manager": "mia", "status": ["draft", "sent"]},
        {"created_after": "2026-01-01"},
        {"partner": "zoe", "manager": "null"},
    ],
    ids=lambda filters: urlencode(filters, doseq=True) or "no-filters",
)
def test_queries_per_page_do_not_grow_with_page_size_or_filters(
    admin_web, practice, dataset, django_assert_num_queries, per_page, filters
):
    client = ClientFactory(practice=practice, partner=dataset.pat, manager=dataset.mia)
    Proposal.objects.bulk_create(
        Proposal(practice=practice, client=client, number=1000 + n, title=f"Bulk {n}")
        for n in range(120)
    )
    params = {**query(dataset, filters), "per_page": per_page}
    # session, user, memberships; status counts (the total too); rows; the practice's members,
    # read once for both member pickers and the check of a chosen one (the client picker
    # holds only the chosen client: none here)
    with django_assert_num_queries(6):
        assert listed(admin_web.get(URL, params))


def row_of(body: str, number: int) -> str:
    start = body.index(f'<tr data-number="{number}">')
    return body[start : body.index("</tr>", start) + len("</tr>")]


def test_a_row_shows_the_proposal_its_client_people_and_days_in_local_time(
    admin_web, dataset, settings
):
    settings.TIME_ZONE = "Pacific/Auckland"  # 12:00 UTC on 20 March is the 21st there
    audit = dataset.proposals[7]
    Proposal.objects.filter(pk=audit.pk).update(
        created_at=datetime(2026, 3, 20, 12, tzinfo=UTC),
        deployment_status="partly",
        job_numbers="J000123, J000124",
    )
    body = admin_web.get(URL).content.decode()
    assert row_of(body, 7) == (
        '<tr data-number="7">\n'
        f'    <td><a href="/proposals/{audit.pk}/" hx-boost="false">PROP-0007</a></td>\n'
        "    <td>Audit &quot;special&quot;</td>\n"
        "    <td>The &quot;Quoted&quot; Co</td>\n"
        "    <td>Pat Partner</td>\n"
        "    <td>Юлия Иванова</td>\n"
        '    <td><span class="badge">Accepted</span></td>\n'
        "    <td>5000.00</td>\n"
        "    <td>2026-03-21</td>\n"
        "    <td>2026-03-21</td>\n"
        "    <td>2026-03-25</td>\n"
        '    <td><span class="badge" data-deployment="partly">Partly deployed</span>'
        " J000123, J000124</td>\n"
        "  </tr>"
    )
    formula = dataset.proposals[6]  # a client with neither partner nor manager, never sent
    assert row_of(body, 6) == (
        '<tr data-number="6">\n'
        f'    <td><a href="/proposals/{formula.pk}/" hx-boost="false">PROP-0006</a></td>\n'
        "    <td>-2+3 advisory</td>\n"
        "    <td>=HYPERLINK(&quot;http://evil.example&quot;)</td>\n"
        "    <td>—</td>\n"
        "    <td>—</td>\n"
        '    <td><span class="badge">Sent</span></td>\n'
        "    <td>75.00</td>\n"
        "    <td>2026-03-10</td>\n"
        "    <td>2026-03-11</td>\n"
        "    <td>—</td>\n"
        "    <td>—</td>\n"
        "  </tr>"
    )
