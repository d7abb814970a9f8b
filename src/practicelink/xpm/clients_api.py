"""REST API of the client pairing with XPM: /api/v1/xpm/client-links/, client-reviews/ (the
review queue and its decisions) and client-conflicts/ (keep ours / take XPM's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from practicelink.api import PracticeScoped
from practicelink.team.permissions import IsPracticeMember
from practicelink.xpm import reviews
from practicelink.xpm.api import ChoicesField
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    ConflictStatus,
    ReviewStatus,
)
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import XpmClient, XpmError


class XpmUnavailable(APIException):
    status_code = 502
    default_detail = "XPM did not answer as expected; nothing was decided."
    default_code = "xpm_unavailable"


def _with_xpm(request_practice: Any, call: Callable[[XpmClient], Any]) -> Any:
    try:
        with client_for(request_practice, interactive=True) as xpm:
            return call(xpm)
    except (XpmError, XpmAuthError) as error:
        raise XpmUnavailable(
            f"XPM did not answer as expected; nothing was decided: {error}"
        ) from error


class ClientLinkSerializer(serializers.ModelSerializer):
    method = ChoicesField(ClientLinkMethod, read_only=True)

    class Meta:
        model = ClientLink
        fields = ["client", "uuid", "method", "linked_at", "synced_at", "problem"]
        read_only_fields = fields


class ClientLinkViewSet(PracticeScoped, viewsets.ReadOnlyModelViewSet):
    """Clients linked to an XPM client, with what the last sync could not do for them."""

    serializer_class = ClientLinkSerializer
    permission_classes = [IsPracticeMember]
    lookup_field = "client"

    def get_queryset(self) -> QuerySet[ClientLink]:
        return ClientLink.objects.filter(practice=self.practice).order_by("client_id")


class CandidateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A client id (for an XPM client) or an XPM UUID.")
    name = serializers.CharField()
    email = serializers.CharField()


class ClientReviewSerializer(serializers.ModelSerializer):
    status = ChoicesField(ReviewStatus, read_only=True)
    candidates = CandidateSerializer(many=True, read_only=True)

    class Meta:
        model = ClientMatch
        fields = [
            "id",
            "side",
            "uuid",
            "client",
            "name",
            "email",
            "candidates",
            "reason",
            "status",
            "created_at",
            "decided_at",
            "decided_by",
            "linked_uuid",
        ]
        read_only_fields = fields


class LinkChoiceSerializer(serializers.Serializer):
    candidate = serializers.CharField(
        help_text="The key of the candidate to link (any unlinked client of the other side)."
    )


class _DecisionQueue(PracticeScoped, viewsets.ReadOnlyModelViewSet):
    """Items waiting for a person's decision: `?status=` narrows the list (default: every
    item); a decision reads its item before its body, so another practice's is a 404."""

    item_model: type[ClientMatch] | type[ClientConflict]
    permission_classes = [IsPracticeMember]

    def get_queryset(self) -> QuerySet[Any]:
        items = self.item_model._default_manager.filter(practice=self.practice)
        wanted = self.request.query_params.get("status")
        return items.filter(status=wanted) if wanted else items

    def _decide(
        self,
        decide: Callable[[Any, dict[str, Any], XpmClient], Any],
        body: type[serializers.Serializer] | None = None,
    ) -> Response:
        """Run `decide(item, choice, xpm)` for the item named in the URL and answer it."""
        item = self.get_object()
        choice: dict[str, Any] = {}
        if body is not None:
            given = body(data=self.request.data)
            given.is_valid(raise_exception=True)
            choice = dict(given.validated_data)
        decided = _with_xpm(self.practice, lambda xpm: decide(item, choice, xpm))
        return Response(self.get_serializer(decided).data)


class ClientReviewViewSet(_DecisionQueue):
    """The client review queue: doubtful matches the sync never adopts on its own. Filter with
    `?status=open` (the default lists every item)."""

    serializer_class = ClientReviewSerializer
    item_model = ClientMatch

    @extend_schema(request=LinkChoiceSerializer, responses=ClientReviewSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        """Link to a candidate (accept the first, or pick another)."""
        return self._decide(
            lambda item, choice, xpm: reviews.review_link(
                practice=self.practice, item=item, key=choice["candidate"], by=self.member, xpm=xpm
            ),
            LinkChoiceSerializer,
        )

    @extend_schema(request=None, responses=ClientReviewSerializer)
    @action(detail=True, methods=["post"], url_path="create-new")
    def create_new(self, request: Request, pk: str | None = None) -> Response:
        """None of the candidates: create the client on the side that lacks it."""
        return self._decide(
            lambda item, _, xpm: reviews.review_create(
                practice=self.practice, item=item, by=self.member, xpm=xpm
            )
        )

    @extend_schema(request=None, responses=ClientReviewSerializer)
    @action(detail=True, methods=["post"])
    def ignore(self, request: Request, pk: str | None = None) -> Response:
        """Leave both unpaired; the sync does not ask again."""
        decided = reviews.review_ignore(
            practice=self.practice, item=self.get_object(), by=self.member
        )
        return Response(ClientReviewSerializer(decided).data)


class ClientConflictSerializer(serializers.ModelSerializer):
    status = ChoicesField(ConflictStatus, read_only=True)

    class Meta:
        model = ClientConflict
        fields = [
            "id",
            "client",
            "field",
            "ours",
            "theirs",
            "applied",
            "policy",
            "status",
            "created_at",
            "decided_at",
            "decided_by",
        ]
        read_only_fields = fields


class KeepSerializer(serializers.Serializer):
    keep = serializers.ChoiceField(
        choices=[("ours", "practicelink's value"), ("theirs", "XPM's value")]
    )


class ClientConflictViewSet(_DecisionQueue):
    """Fields changed on both sides between two syncs; `?status=open` for those to review."""

    serializer_class = ClientConflictSerializer
    item_model = ClientConflict

    @extend_schema(request=KeepSerializer, responses=ClientConflictSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Keep practicelink's value or take XPM's; a switch is sent to XPM at once."""
        return self._decide(
            lambda conflict, choice, xpm: reviews.conflict_resolve(
                practice=self.practice,
                conflict=conflict,
                keep=choice["keep"],
                by=self.member,
                xpm=xpm,
            ),
            KeepSerializer,
        )
