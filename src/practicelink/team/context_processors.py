from django.http import HttpRequest


def current_practice(request: HttpRequest) -> dict[str, object]:
    return {
        "practice": getattr(request, "practice", None),
        "current_member": getattr(request, "member", None),
        "memberships": getattr(request, "memberships", []),
    }
