"""Shared REST API plumbing: practice-scoped views and domain errors as clear 400/404s."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object, get_doc
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import exception_handler as drf_exception_handler

from practicelink.team.models import Member, Practice
from practicelink.team.permissions import request_member

M = TypeVar("M")


def instance_of(serializer: BaseSerializer[M]) -> M:
    """The record an update's serializer was built with (DRF always sets it for an update)."""
    if serializer.instance is None:
        raise TypeError("an update's serializer has no instance")
    return serializer.instance


class AutoSchema(openapi.AutoSchema):
    """OpenAPI operations described by their action's docstring, else by their view's own.

    drf-spectacular would fall back on any base class's docstring, so a view without one
    published the internal notes of a mixin such as `PracticeScoped` to API users.
    """

    # drf-spectacular's signature, which differs from DRF's base class in DRF's stubs.
    def get_description(self) -> str:  # type: ignore[override]
        action = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        view_doc = get_doc(type(self.view)) if type(self.view).__doc__ else ""
        return get_doc(action) or view_doc

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        """The operation's own answers, plus the errors every caller can meet (unless the
        operation describes them itself): checked by schemathesis (tests/test_api_fuzz.py)."""
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in self._error_statuses():
            responses.setdefault(
                code,
                {"description": description, "content": {"application/json": {"schema": ERROR}}},
            )
        return responses

    def _error_statuses(self) -> list[tuple[str, str]]:
        errors = []
        writes = self.method in ("POST", "PUT", "PATCH")
        listed = self.method == "GET" and self._is_list_view()
        if writes or listed:
            errors.append(("400", "Invalid input; the body names each field's problem."))
        if writes:
            errors.append(("413", "The request body is larger than the API accepts."))
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            errors.append(("401", "No valid token (`Authorization: Token …`)."))
            errors.append(("403", "The caller's role may not do this."))
        if "{" in self.path or listed or writes:
            errors.append(
                (
                    "404",
                    "Not found in the caller's practice (or no such page, or a record named).",
                )
            )
        return errors


ERROR = {"type": "object", "additionalProperties": True, "description": "`detail` or per field"}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's `apiToken` scheme: `Authorization: Token <token>`, a personal token."""

    target_class = "practicelink.team.tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
        definition["description"] = (
            "A personal API token, created on your profile page or with POST /api/v1/tokens/;"
            " it acts as you, with your role, until it expires or is revoked."
        )
        return definition


class PracticeScoped:
    """DRF view mixin: `self.practice` / `self.member` of the caller (checked by permissions)."""

    request: Any

    @property
    def member(self) -> Member:
        member = request_member(self.request)
        if member is None:
            raise exceptions.NotAuthenticated()
        return member

    @property
    def practice(self) -> Practice:
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular builds the schema without a caller: querysets of a practice that
            # owns nothing still tell it the model (and so the type of `{id}`).
            return Practice(pk=0)
        return self.member.practice


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        too_big = f"The request body is larger than the {limit // 1024} KiB the API accepts."
        return Response({"detail": too_big}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = Http404(str(exc))
    return drf_exception_handler(exc, context)
