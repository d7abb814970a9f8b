"""REST API for clients: /api/v1/clients/."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets

from practicelink.api import PracticeScoped
from practicelink.clients import selectors, services
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

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "partner",
            "manager",
            "archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


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

    def perform_create(self, serializer: ClientSerializer) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "archived"}
        serializer.instance = services.client_create(practice=self.practice, **data)

    def perform_update(self, serializer: ClientSerializer) -> None:
        client = serializer.instance
        fields = ("name", "email", "partner", "manager", "archived")
        current = {f: getattr(client, f) for f in fields}
        serializer.instance = services.client_update(
            practice=self.practice, client=client, **{**current, **serializer.validated_data}
        )
