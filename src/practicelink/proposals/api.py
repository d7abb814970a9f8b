"""REST API for proposals: /api/v1/proposals/."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from practicelink.api import PracticeScoped, instance_of
from practicelink.clients.models import Client
from practicelink.pagination import StablePagination
from practicelink.proposals import exports, selectors, services
from practicelink.proposals.filters import ProposalFilterSet
from practicelink.proposals.models import (
    Job,
    JobStructure,
    LibraryService,
    Proposal,
    Service,
    Status,
)
from practicelink.proposals.recurrence import (
    MAX_INTERVAL_MONTHS,
    MAX_OCCURRENCES,
    MAX_OFFSET_DAYS,
    Frequency,
)
from practicelink.proposals.schedule_api import RecurrenceActions
from practicelink.team.models import Member
from practicelink.team.permissions import IsPracticeAdminOrReadOnly, request_member


class PracticeClientField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        member = request_member(self.context["request"])
        return Client.objects.filter(practice=member.practice) if member else Client.objects.none()


RECURRENCE_FIELDS = ["frequency", "interval_months", "start_offset_days", "due_offset_days"]


class RecurrenceSerializer(serializers.ModelSerializer):
    """How often a service recurs (bounds as the screens'; the rules say what else is wrong)."""

    frequency = serializers.ChoiceField(
        choices=Frequency.choices, required=False, allow_blank=True, help_text='"": one-off.'
    )
    interval_months = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INTERVAL_MONTHS,
        required=False,
        allow_null=True,
        help_text="Every N months (frequency “months”).",
    )
    start_offset_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_OFFSET_DAYS,
        required=False,
        help_text="The job starts this many days after its period starts.",
    )
    due_offset_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_OFFSET_DAYS,
        required=False,
        help_text="The job is due this many days after its period ends.",
    )


class ServiceSerializer(RecurrenceSerializer):
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    library_service = serializers.IntegerField(
        source="library_service_id",
        required=False,
        allow_null=True,
        help_text="The service library entry this line came from (its template fills the job).",
    )

    occurrences = serializers.IntegerField(
        min_value=1,
        max_value=MAX_OCCURRENCES,
        required=False,
        allow_null=True,
        help_text="At most this many periods (empty: until `ends_on`, or until ended).",
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "quantity",
            "price",
            "library_service",
            *RECURRENCE_FIELDS,
            "first_period_start",
            "ends_on",
            "occurrences",
            "ended_at",
        ]
        read_only_fields = ["ended_at"]


class LibraryServiceSerializer(RecurrenceSerializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))

    class Meta:
        model = LibraryService
        fields = [
            "id",
            "name",
            "description",
            "price",
            "template_uuid",
            "template_name",
            "category_uuid",
            "category_name",
            *RECURRENCE_FIELDS,
        ]
        read_only_fields = ["template_name", "category_name"]
        validators: list[object] = []  # the service says “already has a service called …”


class JobSerializer(serializers.ModelSerializer):
    """A planned job; `index` addresses it (1 for the proposal's job, or one per service)."""

    index = serializers.IntegerField()
    budget = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    staff = serializers.PrimaryKeyRelatedField(many=True, queryset=Member.objects.all())
    service = serializers.CharField(source="service.name", read_only=True, default=None)

    class Meta:
        model = Job
        fields = [
            "index",
            "service",
            "name",
            "description",
            "template_uuid",
            "template_name",
            "category_uuid",
            "category_name",
            "budget",
            "start_date",
            "due_date",
            "staff",
        ]
        read_only_fields = ["template_name", "category_name"]


class ProposalSerializer(serializers.ModelSerializer):
    client = PracticeClientField()
    services = ServiceSerializer(many=True)
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "reference",
            "number",
            "title",
            "client",
            "status",
            "job_structure",
            "total",
            "services",
            "created_at",
            "sent_at",
            "accepted_at",
            "declined_at",
            "lost_at",
            "accepted_name",
            "accepted_ip",
            "accepted_by",
        ]
        read_only_fields = [
            "number",
            "status",
            "total",
            "created_at",
            "sent_at",
            "accepted_at",
            "declined_at",
            "lost_at",
            "accepted_name",
            "accepted_ip",
            "accepted_by",
        ]


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices,
        help_text="“accepted” marks it accepted on the client's behalf (its jobs are deployed).",
    )


class SendSerializer(serializers.Serializer):
    to = serializers.EmailField(
        required=False, allow_blank=True, help_text="Defaults to the client's email."
    )


class SentSerializer(serializers.Serializer):
    to = serializers.EmailField()
    proposal = ProposalSerializer()


def _lines(data: list[dict]) -> list[services.ServiceLine]:
    return [services.ServiceLine(**line) for line in data]


def _plan(data: dict) -> services.JobPlan:
    staff = data.pop("staff", [])
    return services.JobPlan(staff_ids=[member.pk for member in staff], **data)


class CSVRenderer(BaseRenderer):
    """Lets content negotiation pick `text/csv`; the export streams its own body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("the export streams its CSV; errors are rendered as JSON")


class ProposalPagination(StablePagination):
    """Same page-size parameter as the screen (`per_page`)."""

    page_size_query_param = "per_page"
    max_page_size = 200


class ProposalViewSet(
    RecurrenceActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The practice's proposals with their service lines; the list takes the screen's filters."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    pagination_class = ProposalPagination

    def handle_exception(self, exc: Exception) -> Response:
        if self.action == "export":
            # Errors of the CSV export (bad filter, not signed in, not acceptable) are JSON.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get_queryset(self):
        proposals = selectors.proposal_list(practice=self.practice)
        return proposals if self.action == "export" else proposals.prefetch_related("services")

    def perform_create(self, serializer: BaseSerializer[Proposal]) -> None:
        data = serializer.validated_data
        serializer.instance = services.proposal_create(
            practice=self.practice,
            client=data["client"],
            title=data["title"],
            services=_lines(data["services"]),
            job_structure=data.get("job_structure", JobStructure.SINGLE),
        )

    def perform_update(self, serializer: BaseSerializer[Proposal]) -> None:
        proposal = instance_of(serializer)
        data = serializer.validated_data
        lines = data.get("services")
        serializer.instance = services.proposal_update(
            practice=self.practice,
            proposal=proposal,
            client=data.get("client", proposal.client),
            title=data.get("title", proposal.title),
            services=_lines(lines)
            if lines is not None
            else [services.ServiceLine.of(s) for s in proposal.services.all()],
            job_structure=data.get("job_structure"),
        )

    @action(detail=True, methods=["post"], serializer_class=StatusSerializer)
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Move the proposal to another status (an accepted proposal stays accepted)."""
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = services.proposal_set_status(
            practice=self.practice,
            proposal=self.get_object(),
            status=body.validated_data["status"],
            by=self.member,
        )
        return Response(ProposalSerializer(proposal, context={"request": request}).data)

    @extend_schema(request=SendSerializer, responses=SentSerializer)
    @action(detail=True, methods=["post"], serializer_class=SendSerializer)
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Email the client a one-time acceptance link (earlier links stop working)."""
        body = SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sent = services.proposal_send(
            practice=self.practice,
            proposal=self.get_object(),
            by=self.member,
            to=body.validated_data.get("to", ""),
        )
        return Response({"to": sent.to, "proposal": ProposalSerializer(sent.proposal).data})

    @extend_schema(request=None, responses=ProposalSerializer)
    @action(detail=True, methods=["post"], serializer_class=ProposalSerializer)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Mark the proposal accepted on the client's behalf; its jobs are deployed to XPM."""
        proposal = services.proposal_accept(
            practice=self.practice, proposal=self.get_object(), by=self.member
        )
        return Response(ProposalSerializer(proposal, context={"request": request}).data)

    @extend_schema(request=JobSerializer(many=True), responses=JobSerializer(many=True))
    @action(detail=True, methods=["get", "put"], serializer_class=JobSerializer)
    def jobs(self, request: Request, pk: str | None = None) -> Response:
        """The job plan: what each job will be in XPM, and its job staff. PUT sets them all."""
        proposal = self.get_object()
        if request.method == "PUT":
            body = JobSerializer(data=request.data, many=True)
            body.is_valid(raise_exception=True)
            services.proposal_jobs_update(
                practice=self.practice,
                proposal=proposal,
                jobs=[_plan(dict(job)) for job in body.validated_data],
            )
        jobs = proposal.jobs.select_related("service").prefetch_related("staff")
        return Response(JobSerializer(jobs, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("bom", bool, description="Start with a UTF-8 BOM (Excel)")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], pagination_class=None, renderer_classes=[CSVRenderer])
    def export(self, request: Request) -> StreamingHttpResponse:
        """The filtered, sorted list (all of it, unpaginated) as CSV; same filters as the list."""
        return exports.csv_response(
            self.filter_queryset(self.get_queryset()),
            practice=self.practice,
            bom=request.query_params.get("bom") in ("1", "true"),
        )


class LibraryServiceViewSet(PracticeScoped, viewsets.ModelViewSet):
    """The service library: everyone reads it, admins change it."""

    serializer_class = LibraryServiceSerializer
    permission_classes = [IsPracticeAdminOrReadOnly]

    def get_queryset(self):
        return selectors.library_list(practice=self.practice)

    def _entry(self, serializer: BaseSerializer[LibraryService]) -> services.LibraryEntry:
        return services.LibraryEntry(**serializer.validated_data)

    def perform_create(self, serializer: BaseSerializer[LibraryService]) -> None:
        serializer.instance = services.library_service_create(
            practice=self.practice, entry=self._entry(serializer)
        )

    def perform_update(self, serializer: BaseSerializer[LibraryService]) -> None:
        current = instance_of(serializer)
        kept = {f.name: getattr(current, f.name) for f in fields(services.LibraryEntry)}
        entry = services.LibraryEntry(**{**kept, **serializer.validated_data})
        serializer.instance = services.library_service_update(
            practice=self.practice, service=current, entry=entry
        )

    def perform_destroy(self, instance: LibraryService) -> None:
        services.library_service_delete(practice=self.practice, service=instance)
