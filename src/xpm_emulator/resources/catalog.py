"""The practice's read-only catalogues: task.api, template.api, category.api, jobstate.api."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.etree.ElementTree import Element

from xpm_emulator.models import Category, JobState, TaskType, Template, Tenant, by_name
from xpm_emulator.resources.base import Endpoint, XpmRequest
from xpm_emulator.xml import add, element

Named = TaskType | Template | Category | JobState


def _list_endpoint(
    resource: str,
    container: str,
    item: str,
    items: Callable[[Tenant], Sequence[Named]],
    *,
    sort: bool,
) -> Endpoint:
    """`GET {resource}.api/list` answering `<container><item><UUID/><Name/>...`; with `sort`
    in name order, as XPM lists templates and categories."""

    def handler(req: XpmRequest) -> list[Element]:
        node = element(container)
        records = items(req.tenant)
        for record in by_name(records) if sort else records:
            child = req.view.named(item, record.uuid, record.name)
            if isinstance(record, TaskType):
                add(child, "Description", record.description)
            node.append(child)
        return [node]

    return Endpoint(resource, "list", "GET", "List", handler)


ENDPOINTS = (
    _list_endpoint("task", "TaskList", "Task", lambda t: t.task_types, sort=False),
    _list_endpoint("template", "Templates", "Template", lambda t: t.templates, sort=True),
    _list_endpoint("category", "Categories", "Category", lambda t: t.categories, sort=True),
    _list_endpoint("jobstate", "JobStates", "JobState", lambda t: t.job_states, sort=False),
)
