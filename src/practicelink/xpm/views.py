"""Settings > Apps: the XPM connection."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from practicelink.team.access import admin_required


@admin_required
def apps(request: HttpRequest) -> HttpResponse:
    return render(request, "xpm/apps.html", {})
