"""REST API of Link health: /api/v1/xpm/health/ (the summary and its daily history) and the
bulk fixes. The single fixes have their own endpoints already (links, accept-suggestion,
client reviews and conflicts, deployments' redeploy, clients)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from practicelink.api import PracticeScoped
from practicelink.clients.api import PracticeMemberField
from practicelink.clients.models import Client
from practicelink.team.permissions import IsPracticeAdmin
from practicelink.xpm import health
from practicelink.xpm.api import BudgetSerializer, ChoicesField
from practicelink.xpm.models import SyncStatus
from practicelink.xpm.services.health import clients_assign, suggestions_accept_all


class CompletenessSerializer(serializers.Serializer):
    members = serializers.IntegerField(help_text="Current members.")
    members_linked = serializers.IntegerField()
    members_share = serializers.FloatField(help_text="members_linked / members (1 when none).")
    clients = serializers.IntegerField(help_text="Active (not archived) clients.")
    clients_complete = serializers.IntegerField(
        help_text="Active clients with a linked partner and manager, linked to an XPM client."
    )
    clients_share = serializers.FloatField(help_text="clients_complete / clients (1 when none).")
    percent = serializers.IntegerField(
        help_text="The figure shown: the mean of both shares, in percent, rounded down."
    )


class GapSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in health.GapKind])
    title = serializers.CharField(source="text.title")
    breaks = serializers.CharField(source="text.breaks", help_text="What the gap breaks.")
    count = serializers.IntegerField()
    detail = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="members_unlinked: how many are waiting (for automatic creation), suggested "
        "or blocked; empty for the other kinds.",
    )


class LastSyncSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = ChoicesField(SyncStatus)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class PointSerializer(serializers.Serializer):
    day = serializers.DateField()
    completeness = CompletenessSerializer()
    gaps = serializers.DictField(child=serializers.IntegerField(), help_text="Kind → count.")


class HealthSerializer(serializers.Serializer):
    completeness = CompletenessSerializer()
    gaps = GapSerializer(many=True)
    last_sync = LastSyncSerializer(allow_null=True, help_text="The last real sync (no Preview).")
    budget = BudgetSerializer(allow_null=True, help_text="Null when XPM is not connected.")
    history = PointSerializer(many=True, help_text="One point a day, oldest first (30 days).")


class HealthView(PracticeScoped, APIView):
    """Link health: every gap between the practice and a complete XPM link with its count and
    what it breaks, the completeness figure and its daily history, the last sync and the XPM
    budget (Settings > Apps > Link health)."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(responses={200: HealthSerializer, 403: None})
    def get(self, request: Request) -> Response:
        report = health.link_health(self.practice, timezone.now())
        data = {
            "completeness": report.completeness,
            "gaps": report.gaps,
            "last_sync": report.last_run,
            "budget": report.budget,
            "history": health.history(self.practice),
        }
        return Response(HealthSerializer(data).data)


class GapRecordSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="The member, client, review, conflict or proposal id; a staff's XPM UUID."
    )
    name = serializers.CharField(help_text="Who or what it is, in words.")
    detail = serializers.CharField(help_text="What stands in its way, in words.")


class GapRecordsSerializer(serializers.Serializer):
    kind = serializers.CharField()
    count = serializers.IntegerField(help_text="All the records behind the gap.")
    offset = serializers.IntegerField()
    results = GapRecordSerializer(many=True)


class GapRecordsQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in health.GapKind])
    offset = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=health.PAGE_SIZE)


class GapRecordsView(PracticeScoped, APIView):
    """The records behind one gap (`kind`) of Link health, a page at a time (`offset`,
    `limit` ≤ 100), in the order the page lists them; each fix has its own endpoint."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(
        parameters=[GapRecordsQuery], responses={200: GapRecordsSerializer, 400: None, 403: None}
    )
    def get(self, request: Request) -> Response:
        query = GapRecordsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        gap_kind = health.GapKind(query.validated_data["kind"])
        report = health.link_health(self.practice, timezone.now())
        offset, limit = query.validated_data["offset"], query.validated_data["limit"]
        records = health.gap_records(
            self.practice, gap_kind, health=report, offset=offset, limit=limit
        )
        data = {
            "kind": gap_kind.value,
            "count": report.gap(gap_kind).count,
            "offset": offset,
            "results": [health.gap_record(gap_kind, record) for record in records],
        }
        return Response(GapRecordsSerializer(data).data)


class AcceptedSerializer(serializers.Serializer):
    linked = serializers.ListField(
        child=serializers.IntegerField(), help_text="Members now linked (ids)."
    )
    refused = serializers.ListField(
        child=serializers.CharField(), help_text="Why a suggestion could not be accepted."
    )


class AcceptSuggestionsView(PracticeScoped, APIView):
    """Accept every suggested match that has exactly one candidate (an unlinked XPM staff with
    the member's email); a member with several candidates is left for a person to pick. Each
    link is recorded as made by email, as one accepted suggestion is."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(request=None, responses={200: AcceptedSerializer, 403: None})
    def post(self, request: Request) -> Response:
        result = suggestions_accept_all(practice=self.practice, by=self.member)
        health.snapshot_take(self.practice)
        linked = [m.pk for m in result.linked]
        return Response(AcceptedSerializer({"linked": linked, "refused": result.refused}).data)


@extend_schema_field(OpenApiTypes.INT)
class MemberIdField(PracticeMemberField):
    """A member id of the caller's practice (typed for the schema: this serializer has no
    model to tell it)."""


class AssignSerializer(serializers.Serializer):
    clients = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        allow_empty=False,
        max_length=1000,
        help_text="Client ids (1,000 at most).",
    )
    partner = MemberIdField(
        allow_null=True, required=False, default=None, help_text="Left out: each keeps theirs."
    )
    manager = MemberIdField(
        allow_null=True, required=False, default=None, help_text="Left out: each keeps theirs."
    )


class AssignedSerializer(serializers.Serializer):
    clients = serializers.ListField(child=serializers.IntegerField())


class AssignView(PracticeScoped, APIView):
    """Give the clients this partner and/or manager (one left out keeps each client's own), all
    or none; each change is saved and sent to XPM as a client edit is."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(
        request=AssignSerializer, responses={200: AssignedSerializer, 400: None, 403: None}
    )
    def post(self, request: Request) -> Response:
        body = AssignSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        wanted = body.validated_data["clients"]
        clients = Client.objects.filter(practice=self.practice).in_bulk(wanted)
        missing = [pk for pk in wanted if pk not in clients]
        if missing:
            raise serializers.ValidationError(
                {"clients": [f"There is no client {pk} in this practice." for pk in missing]}
            )
        saved = clients_assign(
            practice=self.practice,
            clients=list(clients.values()),
            partner=body.validated_data["partner"],
            manager=body.validated_data["manager"],
        )
        health.snapshot_take(self.practice)
        return Response(AssignedSerializer({"clients": [c.pk for c in saved]}).data)
