"""Shared REST API plumbing: practice-scoped views and domain errors as clear 400/404s."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object, get_doc
from rest_framework import exceptions
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
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = Http404(str(exc))
    return drf_exception_handler(exc, context)
