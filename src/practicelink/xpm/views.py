"""Settings > Apps: connect XPM (OAuth), pick the tenant, see the status, disconnect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from practicelink.team.access import MemberRequest, admin_required
from practicelink.xpm import health, oauth
from practicelink.xpm.forms import SyncSettingsForm
from practicelink.xpm.models import (
    ConnectionStatus,
    EventOutcome,
    SyncRun,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.selectors import sync_settings, xpm_budget
from practicelink.xpm.services.runs import sync_request

FLOW_KEY = "xpm_oauth"


def _redirect_uri() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("xpm:callback")


@admin_required
def apps(request: MemberRequest) -> HttpResponse:
    connection = XpmConnection.objects.filter(practice=request.practice).first()
    tenants: list[oauth.Tenant] = []
    if connection and connection.status == ConnectionStatus.CHOOSE_TENANT:
        try:
            tenants = oauth.tenants_available(practice=request.practice)
        except oauth.XpmAuthError as error:
            messages.error(request, str(error))
    form = SyncSettingsForm(request.POST or None, instance=sync_settings(request.practice))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "XPM sync settings saved.")
        return redirect("xpm:apps")
    runs = SyncRun.objects.filter(practice=request.practice).select_related("started_by")[:10]
    context = {
        "connection": connection,
        "tenants": tenants,
        "taken": oauth.tenants_taken(practice=request.practice, tenants=tenants),
        "statuses": ConnectionStatus,
        "form": form,
        "runs": runs,
        "current": runs[0] if runs else None,
        "budget": xpm_budget(request.practice),
        "health": health.link_health(request.practice) if connection else None,
        "history": health.history(request.practice) if connection else [],
    }
    return render(request, "xpm/apps.html", context)


def _start(request: MemberRequest, *, dry_run: bool) -> HttpResponse:
    try:
        run = sync_request(
            practice=request.practice,
            trigger=SyncTrigger.MANUAL,
            dry_run=dry_run,
            by=request.member,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("xpm:apps")
    if request.htmx:
        return redirect("xpm:run-progress", pk=run.pk)
    return redirect("xpm:apps")


@require_POST
@admin_required
def sync_now(request: MemberRequest) -> HttpResponse:
    return _start(request, dry_run=False)


@require_POST
@admin_required
def preview(request: MemberRequest) -> HttpResponse:
    return _start(request, dry_run=True)


@admin_required
def run_progress(request: MemberRequest, pk: int) -> HttpResponse:
    """The live progress box; htmx polls it until the run has finished."""
    run = get_object_or_404(SyncRun, practice=request.practice, pk=pk)
    return render(request, "xpm/run_progress.html", {"run": run})


@admin_required
def run_list(request: MemberRequest) -> HttpResponse:
    runs = SyncRun.objects.filter(practice=request.practice).select_related("started_by")
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    return render(request, "xpm/run_list.html", {"page": page})


@admin_required
def run_detail(request: MemberRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SyncRun, practice=request.practice, pk=pk)
    outcome = request.GET.get("outcome", "")
    if outcome not in EventOutcome.values:
        outcome = ""
    counts = dict(run.events.values_list("outcome").annotate(n=Count("id")).order_by())
    outcomes = [("", "All", sum(counts.values()))] + [
        (value, label, counts[value]) for value, label in EventOutcome.choices if value in counts
    ]
    events = run.events.filter(outcome=outcome) if outcome else run.events.all()
    context = {"run": run, "events": events, "outcome": outcome, "outcomes": outcomes}
    return render(request, "xpm/run_detail.html", context)


@require_POST
@admin_required
def connect(request: MemberRequest) -> HttpResponse:
    try:
        flow = oauth.authorization_start(redirect_uri=_redirect_uri())
    except oauth.XpmAuthError as error:
        messages.error(request, str(error))
        return redirect("xpm:apps")
    request.session[FLOW_KEY] = {
        "state": flow.state,
        "verifier": flow.code_verifier,
        "practice": request.practice.pk,
    }
    return redirect(flow.url)


@admin_required
def callback(request: MemberRequest) -> HttpResponse:
    flow = request.session.pop(FLOW_KEY, None)
    if (
        flow is None
        or flow["state"] != request.GET.get("state")
        or flow["practice"] != request.practice.pk
    ):
        messages.error(request, "This XPM sign-in was not started here or has expired: try again.")
        return redirect("xpm:apps")
    if "error" in request.GET:
        messages.warning(request, f"XPM was not connected ({request.GET['error']}).")
        return redirect("xpm:apps")
    try:
        connection = oauth.authorization_finish(
            practice=request.practice,
            by=request.member,
            redirect_uri=_redirect_uri(),
            code=request.GET.get("code", ""),
            code_verifier=flow["verifier"],
        )
    except oauth.XpmAuthError as error:
        messages.error(request, str(error))
    else:
        if connection.status == ConnectionStatus.CONNECTED:
            messages.success(request, f"Connected to {connection.tenant_name} in XPM.")
        else:
            messages.info(request, "Choose which XPM practice to connect.")
    return redirect("xpm:apps")


@require_POST
@admin_required
def choose_tenant(request: MemberRequest) -> HttpResponse:
    try:
        connection = oauth.tenant_choose(
            practice=request.practice, tenant_id=request.POST.get("tenant_id", "")
        )
    except (oauth.XpmAuthError, XpmConnection.DoesNotExist) as error:
        messages.error(request, str(error) or "Connect XPM first.")
    else:
        messages.success(request, f"Connected to {connection.tenant_name} in XPM.")
    return redirect("xpm:apps")


@require_POST
@admin_required
def confirm_tenant(request: MemberRequest) -> HttpResponse:
    try:
        connection = oauth.tenant_confirm(practice=request.practice)
    except oauth.XpmAuthError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{connection.tenant_name} is now this practice's XPM: syncs and deployments create "
            "staff, clients and jobs in it.",
        )
    return redirect("xpm:apps")


@require_POST
@admin_required
def disconnect(request: MemberRequest) -> HttpResponse:
    oauth.disconnect(practice=request.practice)
    messages.success(request, "XPM was disconnected. Links and history are kept.")
    return redirect("xpm:apps")
