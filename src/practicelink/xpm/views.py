"""Settings > Apps: connect XPM (OAuth), pick the tenant, see the status, disconnect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from practicelink.team.access import admin_required
from practicelink.xpm import oauth
from practicelink.xpm.models import ConnectionStatus, XpmConnection

FLOW_KEY = "xpm_oauth"


def _redirect_uri() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("xpm:callback")


@admin_required
def apps(request: HttpRequest) -> HttpResponse:
    connection = XpmConnection.objects.filter(practice=request.practice).first()
    tenants: list[oauth.Tenant] = []
    if connection and connection.status == ConnectionStatus.CHOOSE_TENANT:
        try:
            tenants = oauth.tenants_available(practice=request.practice)
        except oauth.XpmAuthError as error:
            messages.error(request, str(error))
    context = {"connection": connection, "tenants": tenants, "statuses": ConnectionStatus}
    return render(request, "xpm/apps.html", context)


@require_POST
@admin_required
def connect(request: HttpRequest) -> HttpResponse:
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
def callback(request: HttpRequest) -> HttpResponse:
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
def choose_tenant(request: HttpRequest) -> HttpResponse:
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
def disconnect(request: HttpRequest) -> HttpResponse:
    oauth.disconnect(practice=request.practice)
    messages.success(request, "XPM was disconnected. Links and history are kept.")
    return redirect("xpm:apps")
