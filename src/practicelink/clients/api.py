"""REST API for clients: /api/v1/clients/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.serializers import BaseSerializer

from practicelink.api import PracticeScoped, instance_of
from practicelink.clients import selectors, services
from practicelink.clients.forms import ClientFilterForm
from practicelink.clients.models import Client
from practicelink.team.models import Member
from practicelink.team.permissions import request_member


class PracticeMemberField(serializers.PrimaryKeyRelatedField):
    """A member id of the caller's practice; any other id is 'does not exist'."""

    default_error_messages = {"does_not_exist": "There is no member {pk_value} in this practice."}

    def get_queryset(self):
        member = request_member(self.context["request"])
        return Member.objects.filter(practice=member.practice) if member else Member.objects.none()


class ClientSerializer(serializers.ModelSerializer):
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    partner = PracticeMemberField(allow_null=True, required=False, default=None)
    manager = PracticeMemberField(allow_null=True, required=False, default=None)
    allow_duplicate = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="Save even though another client has this name (but for case and spacing); "
        "without it such a save answers 400 with the `existing` clients.",
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "partner",
            "manager",
            "archived",
            "allow_duplicate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q", description="Part of the name, any case (as the Clients screen)."
            ),
            OpenApiParameter("partner", int, description="A member id: clients they partner."),
            OpenApiParameter("manager", int, description="A member id: clients they manage."),
        ]
    )
)
class ClientViewSet(
    PracticeScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The practice's clients, each with its partner and manager (members of the practice)."""

    serializer_class = ClientSerializer

    def get_queryset(self):
        return selectors.client_list(practice=self.practice)

    def filter_queryset(self, queryset: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        """The list takes the Clients screen's filters: `q` (name), `partner`, `manager`."""
        if self.action != "list":
            return queryset
        filters = ClientFilterForm(self.request.query_params, practice=self.practice)
        if not filters.is_valid():
            errors = filters.errors.get_json_data()
            raise exceptions.ValidationError(
                {field: [e["message"] for e in found] for field, found in errors.items()}
            )
        return selectors.client_filter(queryset, **filters.cleaned_data)

    def perform_create(self, serializer: BaseSerializer[Client]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "archived"}
        with _duplicates_listed():
            serializer.instance = services.client_create(practice=self.practice, **data)

    def perform_update(self, serializer: BaseSerializer[Client]) -> None:
        client = instance_of(serializer)
        fields = ("name", "email", "partner", "manager", "archived")
        current = {f: getattr(client, f) for f in fields}
        with _duplicates_listed():
            serializer.instance = services.client_update(
                practice=self.practice, client=client, **{**current, **serializer.validated_data}
            )


class DuplicateNameRefused(exceptions.ValidationError):
    """400 with the clients that already have the name (their ids stay numbers)."""

    def __init__(self, error: services.DuplicateClientName) -> None:
        super().__init__()
        existing = [{"id": client.pk, "name": client.name} for client in error.existing]
        detail: dict[str, Any] = {**error.message_dict, "existing": existing}
        self.detail = detail


@contextmanager
def _duplicates_listed() -> Iterator[None]:
    try:
        yield
    except services.DuplicateClientName as error:
        raise DuplicateNameRefused(error) from None
