"""Filter combinations over the `dataset` fixture and the proposal numbers each must list.

Member and client values are keys of the data set (resolved by `query`), so one table serves
the screen, the CSV and the API.
"""

from __future__ import annotations

from urllib.parse import urlencode

from tests.proposals.conftest import DataSet

ALL = [8, 7, 6, 5, 4, 3, 2, 1]

FILTER_CASES: list[tuple[dict[str, str | list[str]], list[int]]] = [
    ({}, ALL),
    ({"partner": "pat"}, [7, 3, 2, 1]),
    ({"partner": "zoe"}, [8, 5, 4]),
    ({"partner": "null"}, [6]),
    ({"manager": "mia"}, [4, 2, 1]),
    ({"manager": "yulia"}, [7, 3]),
    ({"manager": "null"}, [8, 6, 5]),
    ({"status": "sent"}, [6, 2]),
    ({"status": ["accepted", "declined"]}, [7, 4, 3]),
    ({"client": "acme"}, [2, 1]),
    ({"created_after": "2026-02-01", "created_before": "2026-03-01"}, [5, 4, 3]),
    ({"sent_after": "2026-02-16"}, [7, 6, 4]),
    ({"accepted_before": "2026-02-28"}, [3]),
    ({"q": "PROP-0003"}, [3]),
    ({"q": "prop-3"}, [3]),
    ({"q": "3"}, [6, 3]),
    ({"q": "tax"}, [8, 2]),
    ({"q": "ACME"}, [2, 1]),
    ({"q": "東京"}, [8, 5]),
    ({"partner": "pat", "status": "accepted"}, [7, 3]),
    ({"partner": "pat", "manager": "mia"}, [2, 1]),
    (
        {"manager": "mia", "status": ["draft", "sent"], "created_before": "2026-01-31"},
        [2, 1],
    ),
    ({"partner": "zoe", "q": "tax", "status": "draft"}, [8]),
    ({"partner": "pat", "manager": "null"}, []),
    ({"sort": "number"}, [1, 2, 3, 4, 5, 6, 7, 8]),
    ({"sort": "-total"}, [7, 3, 5, 8, 2, 1, 4, 6]),
    ({"sort": "total"}, [6, 4, 1, 2, 8, 5, 3, 7]),
    ({"sort": "sent"}, [2, 3, 4, 6, 7, 8, 5, 1]),
    ({"sort": "-sent"}, [7, 6, 4, 3, 2, 8, 5, 1]),
    ({"sort": "status", "partner": "pat"}, [7, 3, 1, 2]),
    ({"sort": "-accepted", "status": ["accepted", "sent"]}, [7, 3, 6, 2]),
]


def case_id(case: tuple[dict, list[int]]) -> str:
    return urlencode(case[0], doseq=True) or "no-filters"


def query(dataset: DataSet, params: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Replace data set keys by ids: partner/manager name a member, client a client."""
    resolved = dict(params)
    for field in ("partner", "manager"):
        if field in params and params[field] != "null":
            resolved[field] = str(getattr(dataset, str(params[field])).pk)
    if "client" in params:
        resolved["client"] = str(dataset.clients[str(params["client"])].pk)
    return resolved
