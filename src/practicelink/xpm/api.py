"""REST API of the XPM integration: /api/v1/xpm/ members' link state, staff, links, syncs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from practicelink.api import PracticeScoped
from practicelink.team.models import Member, Practice
from practicelink.team.permissions import IsPracticeAdmin
from practicelink.team.selectors import member_get, member_list
from practicelink.xpm import oauth, selectors, services
from practicelink.xpm.models import (
    ConflictPolicy,
    ConnectionStatus,
    EventOutcome,
    LinkMethod,
    StaffLink,
    StepOutcome,
    SyncEvent,
    SyncRun,
    SyncSettings,
    SyncStatus,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.models.connection import MAX_LEAD_DAYS
from practicelink.xpm.services.runs import sync_request
from practicelink.xpm.sync.staff.plan import Kind
from practicelink.xpm.sync.steps import registered_steps


class ChoicesField(serializers.ChoiceField):
    """A choice field whose schema is the named component `<Choices>Enum`, whatever the field's
    name: `status` here is not the proposals' `status`, and their enums must not collide."""

    def __init__(self, choices: type[models.TextChoices], **kwargs: Any) -> None:
        self.choices_class = choices
        super().__init__(choices=choices.choices, **kwargs)


class ChoicesFieldSchema(OpenApiSerializerFieldExtension):
    target_class = ChoicesField

    def get_name(self) -> str:
        return f"{self.target.choices_class.__name__}Enum"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.target.choices_class.values)}


class StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffRow
        fields = ["uuid", "name", "email"]


class LinkSerializer(serializers.ModelSerializer):
    staff = StaffSerializer(read_only=True)

    class Meta:
        model = StaffLink
        fields = ["member", "staff", "method", "linked_at", "linked_by"]
        read_only_fields = fields


class LinkCreatedSerializer(LinkSerializer):
    warning = serializers.CharField(help_text="Set when the member's and staff's emails differ.")

    class Meta(LinkSerializer.Meta):
        fields = [*LinkSerializer.Meta.fields, "warning"]


class LinkRequestSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="A member id of this practice.")
    staff = serializers.CharField(help_text="The UUID of an unlinked XPM staff.")


@dataclass(frozen=True)
class Plan:
    kind: str
    create_at: datetime | None
    reason: str
    suggested: list[StaffRow]


@dataclass(frozen=True)
class MemberState:
    id: int
    name: str
    email: str
    deleted: bool
    link: StaffLink | None
    plan: Plan | None


class PlanSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in Kind])
    create_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    suggested = StaffSerializer(many=True, help_text="Unlinked XPM staff with the email.")


class MemberStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    deleted = serializers.BooleanField()
    link = LinkSerializer(allow_null=True)
    plan = PlanSerializer(
        allow_null=True, help_text="What the next sync will do for an unlinked member."
    )


def member_states(practice: Practice, members: Sequence[Member]) -> list[MemberState]:
    links = {
        link.member_id: link
        for link in StaffLink.objects.filter(member__in=members).select_related("staff")
    }
    actions = selectors.link_plan(practice, timezone.now())
    staff = {s.uuid: s for s in selectors.staff_present(practice)}
    plans = {
        member_id: Plan(
            action.kind, action.create_at, action.reason, [staff[u] for u in action.staff_uuids]
        )
        for member_id, action in actions.items()
    }
    return [
        MemberState(m.pk, m.name, m.email, m.is_deleted, links.get(m.pk), plans.get(m.pk))
        for m in members
    ]


class MemberStateViewSet(PracticeScoped, viewsets.ReadOnlyModelViewSet):
    """Every member of the practice (deleted ones too) with its XPM link and plan."""

    serializer_class = MemberStateSerializer
    permission_classes = [IsPracticeAdmin]

    def get_queryset(self) -> QuerySet[Member]:
        return member_list(practice=self.practice, include_deleted=True)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(member_states(self.practice, page or []), many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            self.get_serializer(member_states(self.practice, [self.get_object()])[0]).data
        )


class UnlinkedStaffViewSet(PracticeScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The XPM user dropdown: staff of the last sync not linked to any member."""

    serializer_class = StaffSerializer
    permission_classes = [IsPracticeAdmin]

    def get_queryset(self) -> QuerySet[StaffRow]:
        return selectors.staff_unlinked(self.practice)


class LinkViewSet(
    PracticeScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Links of members and XPM staff, by member id. Linking by hand may warn, never refuses
    for differing emails; unlinking keeps the history."""

    serializer_class = LinkSerializer
    permission_classes = [IsPracticeAdmin]
    lookup_field = "member"
    lookup_url_kwarg = "member_id"

    def get_queryset(self) -> QuerySet[StaffLink]:
        links = StaffLink.objects.filter(practice=self.practice).select_related("staff")
        return links.order_by(Lower("member__name"), "member_id")

    @extend_schema(request=LinkRequestSerializer, responses={201: LinkCreatedSerializer})
    def create(self, request: Request) -> Response:
        body = LinkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = member_get(practice=self.practice, pk=body.validated_data["member"])
        staff = get_object_or_404(
            StaffRow, practice=self.practice, uuid=body.validated_data["staff"]
        )
        result = services.link_create(
            practice=self.practice,
            member=member,
            staff=staff,
            method=LinkMethod.MANUAL,
            by=self.member,
        )
        data = {**LinkSerializer(result.link).data, "warning": result.warning}
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: StaffLink) -> None:
        services.link_delete(practice=self.practice, member=instance.member, by=self.member)

    @extend_schema(request=LinkRequestSerializer, responses={201: LinkSerializer})
    @action(detail=False, methods=["post"], url_path="accept-suggestion")
    def accept_suggestion(self, request: Request) -> Response:
        """Accept a suggested match: link the member to the unlinked staff with their email.
        The link is recorded as made by email; a staff with another email is refused (link it
        by hand instead)."""
        body = LinkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = member_get(practice=self.practice, pk=body.validated_data["member"])
        staff = get_object_or_404(
            selectors.staff_present(self.practice), uuid=body.validated_data["staff"]
        )
        result = services.suggestion_accept(
            practice=self.practice, member=member, staff=staff, by=self.member
        )
        return Response(LinkSerializer(result.link).data, status=status.HTTP_201_CREATED)


class SyncSettingsSerializer(serializers.ModelSerializer):
    conflict_policy = ChoicesField(ConflictPolicy, required=False)
    occurrence_lead_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_LEAD_DAYS,
        required=False,
        help_text=SyncSettings._meta.get_field("occurrence_lead_days").help_text,
    )

    class Meta:
        model = SyncSettings
        fields = [
            "creation_window_hours",
            "auto_link",
            "sync_interval_minutes",
            "conflict_policy",
            "create_clients_at_once",
            "job_number_prefix",
            "occurrence_lead_days",
        ]


class SyncSettingsView(PracticeScoped, generics.RetrieveUpdateAPIView):
    """The practice's XPM sync settings, as in Settings > Apps: the creation window (hours
    after a member is added before the sync creates them in XPM, 0 to 8760), auto-link by email,
    the sync interval (1 to 1440 minutes), the client conflict policy, whether new clients are
    created in XPM at once, the job number prefix (1 to 8 letters) and how many days before its
    period starts a recurring service's job is deployed (0 to 90). Everyone reads them; admins
    change them."""

    serializer_class = SyncSettingsSerializer
    permission_classes = [IsPracticeAdmin]

    def get_object(self) -> SyncSettings:
        return selectors.sync_settings(self.practice)


class WhyNotQuerySerializer(serializers.Serializer):
    email = serializers.CharField(help_text="The email of the person missing from the dropdown.")


class WhyNotSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "never_synced",
            "sync_failed",
            "not_in_xpm",
            "available",
            "linked",
            "linked_to_deleted",
            "several",
            "linked_other_email",
            "will_be_created",
        ]
    )
    message = serializers.CharField()
    member = serializers.IntegerField(
        allow_null=True, help_text="The member the staff is linked to, if any."
    )


class WhyNotView(PracticeScoped, APIView):
    """Why is this person not in the XPM user dropdown?"""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(parameters=[WhyNotQuerySerializer], responses=WhyNotSerializer)
    def get(self, request: Request) -> Response:
        query = WhyNotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        answer = selectors.why_not_in_dropdown(self.practice, query.validated_data["email"])
        member = answer.member.pk if answer.member else None
        return Response(
            WhyNotSerializer(
                {"code": answer.code, "message": answer.message, "member": member}
            ).data
        )


class BudgetSerializer(serializers.Serializer):
    minute_remaining = serializers.IntegerField(help_text="XPM calls left this minute.")
    day_remaining = serializers.IntegerField(help_text="XPM calls left today.")
    day_reserved = serializers.IntegerField(
        help_text="Calls of day_remaining kept for work a person asked for (Sync now, "
        "deployments); periodic syncs leave them."
    )
    cooldown_seconds = serializers.FloatField(
        help_text="Seconds XPM asked practicelink to wait (after a 429); 0 when none."
    )


class BudgetView(PracticeScoped, APIView):
    """What is left of the practice's XPM calls (XPM allows 60 a minute, 5,000 a day)."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(responses={200: BudgetSerializer, 404: None})
    def get(self, request: Request) -> Response:
        budget = selectors.xpm_budget(self.practice)
        if budget is None:
            return Response({"detail": "XPM is not connected."}, status=404)
        return Response(BudgetSerializer(budget).data)


class SyncEventSerializer(serializers.ModelSerializer):
    outcome = ChoicesField(EventOutcome, read_only=True)

    class Meta:
        model = SyncEvent
        fields = [
            "id",
            "step",
            "action",
            "subject_kind",
            "subject_id",
            "subject_xpm_id",
            "subject_label",
            "before",
            "after",
            "outcome",
            "message",
            "created_at",
        ]


class StepOutcomeSerializer(serializers.Serializer):
    step = serializers.CharField(help_text="The step's name, e.g. `staff` or `clients`.")
    outcome = ChoicesField(StepOutcome)


class SyncRunSerializer(serializers.ModelSerializer):
    status = ChoicesField(SyncStatus, read_only=True)
    steps = serializers.SerializerMethodField(
        help_text="How each step the run reached ended, in the order the steps run."
    )
    kind = serializers.CharField(
        source="kind_label", read_only=True, help_text="“Preview”, or what started the sync."
    )
    summary_text = serializers.CharField(
        source="summary_words", read_only=True, help_text="How its actions ended, in words."
    )

    @extend_schema_field(StepOutcomeSerializer(many=True))
    def get_steps(self, run: SyncRun) -> list[dict[str, str]]:
        order = [step.name for step in registered_steps()]
        names = sorted(run.steps, key=lambda n: order.index(n) if n in order else len(order))
        return [{"step": name, "outcome": run.steps[name]} for name in names]

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "trigger",
            "dry_run",
            "status",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
            "step",
            "progress_done",
            "progress_total",
            "kind",
            "summary_text",
            "resume_at",
            "steps",
            "summary",
            "error",
        ]
        read_only_fields = fields


class SyncRunDetailSerializer(SyncRunSerializer):
    events = SyncEventSerializer(many=True, read_only=True)

    class Meta(SyncRunSerializer.Meta):
        fields = [*SyncRunSerializer.Meta.fields, "events"]
        read_only_fields = fields


class SyncRequestSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        default=False, help_text="Only plan: record what a sync would do, change nothing."
    )


class SyncRunViewSet(
    PracticeScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Sync runs of the practice, newest first; a run's detail lists its events."""

    permission_classes = [IsPracticeAdmin]

    def get_queryset(self) -> QuerySet[SyncRun]:
        runs = SyncRun.objects.filter(practice=self.practice)
        return runs.prefetch_related("events") if self.action == "retrieve" else runs

    def get_serializer_class(self) -> type[SyncRunSerializer]:
        return SyncRunDetailSerializer if self.action == "retrieve" else SyncRunSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "outcome",
                str,
                enum=EventOutcome.values,
                description="Only the events with this outcome.",
            )
        ],
        responses={200: SyncEventSerializer(many=True), 400: None},
    )
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        """The run's events in the order they happened, optionally of one outcome."""
        run = self.get_object()
        outcome = request.query_params.get("outcome", "")
        if outcome and outcome not in EventOutcome.values:
            choices = ", ".join(EventOutcome.values)
            message = f"Unknown outcome “{outcome}”: use one of {choices}."
            return Response({"outcome": [message]}, status=status.HTTP_400_BAD_REQUEST)
        events = run.events.filter(outcome=outcome) if outcome else run.events.all()
        return Response(SyncEventSerializer(events, many=True).data)

    @extend_schema(request=SyncRequestSerializer, responses={202: SyncRunSerializer})
    def create(self, request: Request) -> Response:
        """Start a sync (or a dry run) in the background; poll the run for its progress. While
        a run of the same kind is queued, running or waiting for XPM's rate limit, that run is
        returned instead of a second one."""
        body = SyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = sync_request(
            practice=self.practice,
            trigger=SyncTrigger.API,
            dry_run=body.validated_data["dry_run"],
            by=self.member,
        )
        run.refresh_from_db()
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ConnectionSerializer(serializers.ModelSerializer):
    status = ChoicesField(ConnectionStatus, read_only=True)
    tenant_confirmed = serializers.BooleanField(
        read_only=True,
        help_text="False after a switch to another XPM practice: nothing is created in it "
        "until an admin confirms it.",
    )

    class Meta:
        model = XpmConnection
        fields = [
            "status",
            "tenant_id",
            "tenant_name",
            "tenant_confirmed",
            "confirmed_tenant_name",
            "connected_at",
            "problem",
        ]
        read_only_fields = fields


class ConnectionView(PracticeScoped, APIView):
    """The practice's XPM connection as the Apps card shows it (404 when never connected)."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(responses={200: ConnectionSerializer, 404: None})
    def get(self, request: Request) -> Response:
        connection = get_object_or_404(XpmConnection, practice=self.practice)
        return Response(ConnectionSerializer(connection).data)


class TenantConfirmView(PracticeScoped, APIView):
    """Confirm the connected XPM practice as this practice's own after a switch: syncs and
    deployments create staff, clients and jobs in it again."""

    permission_classes = [IsPracticeAdmin]

    @extend_schema(request=None, responses={200: ConnectionSerializer})
    def post(self, request: Request) -> Response:
        try:
            connection = oauth.tenant_confirm(practice=self.practice)
        except oauth.XpmAuthError as error:
            raise serializers.ValidationError({"detail": [str(error)]}) from error
        return Response(ConnectionSerializer(connection).data)
