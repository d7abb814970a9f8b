"""The catalogue step mirrors XPM's templates, categories, task types and job states."""

from __future__ import annotations

import pytest

from practicelink.proposals.hooks import catalogue_choices
from practicelink.xpm.models import CatalogueItem, CatalogueKind, EventOutcome
from practicelink.xpm.sync.catalogue import Change, Entry, plan_catalogue
from tests.xpm.conftest import sync
from xpm_emulator.models import Category, TaskType, Template

pytestmark = pytest.mark.django_db


def test_plan_names_every_kind_of_change():
    a, b, c = Entry("template", "a", "A"), Entry("template", "b", "B"), Entry("template", "c", "C")
    mirrored = [
        (a, False),
        (Entry("template", "b", "Old B"), False),
        (c, True),
        (Entry("category", "d", "D"), False),
    ]
    changes = plan_catalogue(mirrored, [a, b, c, Entry("category", "e", "E")])
    assert changes == [
        Change(b, "renamed", "Old B"),
        Change(c, "back", "C"),
        Change(Entry("category", "e", "E"), "new"),
        Change(Entry("category", "d", "D"), "gone"),
    ]


def test_sync_mirrors_the_catalogue_and_offers_it(practice, connected, xpm):
    tenant = xpm.server.store.tenant(xpm.tenant_id)
    task = TaskType("Prepare Tax Return")
    tenant.task_types.append(task)
    tenant.templates.append(Template("Income Tax Return", task_type_uuids=[task.uuid]))
    tenant.categories.append(Category("Tax"))

    preview = sync(practice, dry_run=True)
    assert not CatalogueItem.objects.exists()
    assert preview.events.filter(action="catalogue_new", outcome=EventOutcome.PLANNED).exists()

    run = sync(practice)
    kinds = dict(CatalogueItem.objects.values_list("name", "kind"))
    assert kinds["Income Tax Return"] == CatalogueKind.TEMPLATE
    assert kinds["Tax"] == CatalogueKind.CATEGORY
    assert kinds["Prepare Tax Return"] == CatalogueKind.TASK_TYPE
    assert kinds["Planned"] == CatalogueKind.JOB_STATE
    assert [name for _, name in catalogue_choices(practice, "template")] == ["Income Tax Return"]
    assert run.events.filter(action="catalogue_new").count() == len(kinds)

    tenant.categories[0].name = "Tax compliance"
    tenant.templates.clear()
    again = sync(practice)
    assert [e.message for e in again.events.filter(action__startswith="catalogue")] == [
        "Job category “Tax” is now called “Tax compliance” in XPM.",
        "Job template “Income Tax Return” is no longer in XPM.",
    ]
    assert catalogue_choices(practice, "template") == []
    assert sync(practice).events.filter(action__startswith="catalogue").count() == 0
