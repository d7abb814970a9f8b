"""The filter bar written in Python is the HTML Django's templates wrote for it (whitespace and
the order of attributes aside), for what a user may send, errors included."""

from __future__ import annotations

import pytest
from django import forms
from django.template import engines
from django.test.html import parse_html
from django_filters.widgets import DateRangeWidget

from practicelink.proposals.filter_bar import (
    QuickDateRange,
    QuickInput,
    QuickSelect,
    filter_fields,
)
from practicelink.proposals.filters import ProposalFilterSet
from practicelink.proposals.selectors import proposal_list
from tests.proposals.cases import query

pytestmark = pytest.mark.django_db

#: the filter bar of the list's template before it was written in Python
TEMPLATE = """
{% if form.non_field_errors %}<ul class="errorlist" role="alert">{% for e in form.non_field_errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}
{% for field in form %}{% if field.name != "sort" %}
{% if field.name == "status" %}
<fieldset><legend>{{ field.label }}</legend>{% for box in field %}<label class="check">{{ box.tag }} {{ box.choice_label }}</label>{% endfor %}</fieldset>
{% else %}
<p>{{ field.label_tag }} {{ field }}</p>
{% endif %}
{% if field.errors %}<ul class="errorlist" role="alert">{% for e in field.errors %}<li>{{ field.label }}: {{ e }}</li>{% endfor %}</ul>{% endif %}
{% endif %}{% endfor %}
"""  # noqa: E501


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, 0),
        (
            {
                "q": '<b>"Tax" & co</b>',
                "partner": "pat",
                "manager": "null",
                "status": ["sent", "lost"],
                "client": "acme",
                "deployment": "none",
                "upcoming": "yes",
                "created_after": "2026-01-01",
                "sent_before": "2026-02-30",
                "accepted_after": "2026-03-01",
                "accepted_before": "2026-03-31",
            },
            1,
        ),  # 30 February
        ({"partner": "other", "manager": "x\x00", "status": "gone", "deployment": "<no>"}, 4),
    ],
    ids=["empty", "every-filter", "errors"],
)
def test_the_filter_bar_is_what_djangos_templates_wrote(
    rf, practice, admin, dataset, monkeypatch, params, errors
):
    if params.get("partner") == "other":  # another practice's member, sent as is
        sent = {**params, "partner": str(dataset.other_member.pk)}
    else:
        sent = query(dataset, params)
    request = rf.get("/proposals/", sent)
    request.practice = practice

    def form() -> forms.Form:
        filterset = ProposalFilterSet(
            request.GET, queryset=proposal_list(practice=practice), request=request
        )
        filterset.is_valid()
        return filterset.form

    quick = filter_fields(form())
    for widget, django_widget in (
        (QuickInput, forms.widgets.Input),
        (QuickSelect, forms.Select),
        (QuickDateRange, DateRangeWidget),
    ):
        monkeypatch.setattr(widget, "render", django_widget.render)
    templated = engines["django"].from_string(TEMPLATE).render({"form": form()})
    assert parse_html(quick) == parse_html(templated)
    assert quick.count('<ul class="errorlist" role="alert">') == errors
