"""REST API for members: /api/v1/members/."""

from __future__ import annotations

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from practicelink.api import PracticeScoped, instance_of
from practicelink.team import selectors, services
from practicelink.team.models import Member, Role
from practicelink.team.permissions import IsPracticeAdminOrReadOnly


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.CharField(max_length=254)
    send_invitation = serializers.BooleanField(write_only=True, default=False)
    is_deleted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "email",
            "role",
            "access",
            "added_at",
            "deleted_at",
            "is_deleted",
            "send_invitation",
        ]
        read_only_fields = ["access", "added_at", "deleted_at"]
        extra_kwargs = {"role": {"default": Role.STANDARD}}


class MemberViewSet(
    PracticeScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Members of the caller's practice (deleted ones with `?include_deleted=true`)."""

    serializer_class = MemberSerializer
    permission_classes = [IsPracticeAdminOrReadOnly]

    def get_queryset(self):
        include_deleted = self.action != "list" or self.request.query_params.get(
            "include_deleted", ""
        ).lower() in {"1", "true", "yes"}
        return selectors.member_list(practice=self.practice, include_deleted=include_deleted)

    def perform_create(self, serializer: BaseSerializer[Member]) -> None:
        serializer.instance = services.member_create(
            practice=self.practice, invited_by=self.member, **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[Member]) -> None:
        data = serializer.validated_data
        member = instance_of(serializer)
        serializer.instance = services.member_update(
            practice=self.practice,
            member=member,
            name=data.get("name", member.name),
            email=data.get("email", member.email),
            role=data.get("role", member.role),
            by=self.member,
        )

    def perform_destroy(self, instance: Member) -> None:
        services.member_delete(practice=self.practice, member=instance, by=self.member)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        member = services.member_restore(
            practice=self.practice, member=self.get_object(), by=self.member
        )
        return Response(MemberSerializer(member).data)

    @action(detail=True, methods=["post"])
    def invite(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        services.invitation_send(practice=self.practice, member=member, invited_by=self.member)
        member.refresh_from_db()
        return Response(MemberSerializer(member).data, status=status.HTTP_202_ACCEPTED)
