"""REST API of the team: /api/v1/members/, invitations/ and the caller's own tokens/."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from practicelink.api import PracticeScoped, instance_of
from practicelink.team import selectors, services, tokens
from practicelink.team.models import ApiToken, Invitation, InvitationStatus, Member, Role
from practicelink.team.permissions import IsPracticeAdmin, IsPracticeAdminOrReadOnly


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


class InvitationSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    email = serializers.CharField(source="member.email", read_only=True)
    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "member",
            "member_name",
            "email",
            "status",
            "created_at",
            "expires_at",
            "used_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("status", enum=InvitationStatus.values, required=False)]
    )
)
class InvitationViewSet(PracticeScoped, viewsets.ReadOnlyModelViewSet):
    """Invitations of the practice (admins): sent, accepted or expired; `?status=` filters."""

    serializer_class = InvitationSerializer
    permission_classes = [IsPracticeAdmin]

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitation_list(
            practice=self.practice, status=self.request.query_params.get("status")
        )


class ApiTokenSerializer(serializers.ModelSerializer):
    expires_in_days = serializers.IntegerField(
        write_only=True,
        min_value=1,
        max_value=tokens.DAYS_MAX,
        default=tokens.DAYS_DEFAULT,
        help_text=f"Days until the token stops working (1 to {tokens.DAYS_MAX}).",
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "expiry", "last_used_at", "expires_in_days"]
        read_only_fields = ["created", "expiry", "last_used_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Token <token>`. Shown only now."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens. The token itself is in the answer to its creation only;
    deleting one revokes it at once. A new password revokes them all."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # the schema is built without a caller
            return ApiToken.objects.none()
        return tokens.tokens_of(tokens.person(self.request))

    @extend_schema(responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = tokens.token_create(
            user=tokens.person(request),
            name=serializer.validated_data["name"],
            days=serializer.validated_data["expires_in_days"],
        )
        token.token = secret  # the one answer that carries it
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.token_revoke(user=tokens.person(self.request), pk=instance.pk)
