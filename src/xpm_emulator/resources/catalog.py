"""The practice's read-only catalogues: task.api, template.api, category.api, jobstate.api."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.etree.ElementTree import Element

from xpm_emulator.models import Category, JobState, TaskType, Template, Tenant
from xpm_emulator.resources.base import Endpoint, XpmRequest
from xpm_emulator.xml import add, element

Named = TaskType | Template | Category | JobState


def _list_endpoint(
    resource: str, container: str, item: str, items: Callable[[Tenant], Sequence[Named]]
) -> Endpoint:
    """`GET {resource}.api/list` answering `<container><item><UUID/><Name/>...`."""

    def handler(req: XpmRequest) -> list[Element]:
        node = element(container)
        for record in items(req.tenant):
            child = add(node, item)
            add(child, "UUID", record.uuid)
            add(child, "Name", record.name)
            if isinstance(record, TaskType):
                add(child, "Description", record.description)
        return [node]

    return Endpoint(resource, "list", "GET", "List", handler)


ENDPOINTS = (
    _list_endpoint("task", "TaskList", "Task", lambda t: t.task_types),
    _list_endpoint("template", "Templates", "Template", lambda t: t.templates),
    _list_endpoint("category", "Categories", "Category", lambda t: t.categories),
    _list_endpoint("jobstate", "JobStates", "JobState", lambda t: t.job_states),
)
