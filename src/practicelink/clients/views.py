"""Clients: list, create, edit, with partner and manager pickers."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render

from practicelink.clients import hooks, selectors, services
from practicelink.clients.forms import ClientFilterForm, ClientForm
from practicelink.clients.models import Client
from practicelink.forms import run_service
from practicelink.team.access import MemberRequest, member_required


@member_required
def client_list(request: MemberRequest) -> HttpResponse:
    filters = ClientFilterForm(request.GET or None, practice=request.practice)
    clients = selectors.client_list(practice=request.practice)
    if filters.is_valid():
        clients = selectors.client_filter(clients, **filters.cleaned_data)
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    decorators = hooks.client_list_decorators
    shown = list(page.object_list)
    columns = [c for d in decorators if (c := d.column(request, shown)) is not None]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "query_string": params.urlencode(),
        "filters": filters,
        "rows": [(c, [column.cells.get(c.pk, "") for column in columns]) for c in page],
        "columns": columns,
        "panels": [d.panel(request) for d in decorators],
    }
    return render(request, "clients/client_list.html", context)


def _save(form: ClientForm, call: Callable[[], Client]) -> tuple[Client | None, list[Client]]:
    """The saved client, or None with the form's errors and the clients of the same name."""
    duplicates: list[Client] = []

    def attempt() -> Client:
        try:
            return call()
        except services.DuplicateClientName as error:
            duplicates.extend(error.existing)
            raise

    return run_service(form, attempt), duplicates


@member_required
def client_create(request: MemberRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, practice=request.practice)
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "archived"}
        allow = "allow_duplicate" in request.POST
        client, duplicates = _save(
            form,
            lambda: services.client_create(
                practice=request.practice, allow_duplicate=allow, **data
            ),
        )
        if client is not None:
            messages.success(request, f"{client.name} was created.")
            return redirect("clients:list")
    context = {"form": form, "title": "New client", "duplicates": duplicates}
    return render(request, "clients/client_form.html", context)


@member_required
def client_edit(request: MemberRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(practice=request.practice, pk=pk)
    initial = {
        "name": client.name,
        "email": client.email,
        "partner": client.partner,
        "manager": client.manager,
        "archived": client.archived,
    }
    form = ClientForm(
        request.POST or None, initial=initial, practice=request.practice, client=client
    )
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        allow = "allow_duplicate" in request.POST
        saved, duplicates = _save(
            form,
            lambda: services.client_update(
                practice=request.practice, client=client, allow_duplicate=allow, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved.name} was saved.")
            return redirect("clients:list")
    context = {
        "form": form,
        "title": f"Edit {client.name}",
        "client": client,
        "duplicates": duplicates,
    }
    return render(request, "clients/client_form.html", context)
