"""REST API of recurring services: a proposal's recurrences with every occurrence, ending one,
changing its job staff for the occurrences to come, and the practice's upcoming jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from practicelink.api import PracticeScoped
from practicelink.proposals.models import Job, OccurrenceStatus, Proposal, RecurrenceChange
from practicelink.proposals.occurrences import (
    Row,
    Upcoming,
    proposal_schedule,
    recurrence_end,
    recurrence_staff_change,
    recurring_job,
    upcoming_jobs,
)
from practicelink.proposals.recurrence import Frequency
from practicelink.proposals.schedule_views import MAX_UPCOMING_WEEKS, UPCOMING_WEEKS

ERRORS = {
    400: OpenApiResponse(description="Refused, saying why (e.g. the recurrence was ended)."),
    403: OpenApiResponse(description="Not signed in to this practice."),
    404: OpenApiResponse(description="No such proposal or recurring job in your practice."),
}


class OccurrenceSerializer(serializers.Serializer):
    """One period: recorded once its job is due to be deployed, otherwise still planned."""

    number = serializers.IntegerField(source="period.number", help_text="1 for the first period.")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    start_date = serializers.DateField(source="period.job_start", help_text="The job's start.")
    due_date = serializers.DateField(source="period.job_due", help_text="The job's due date.")
    status = serializers.ChoiceField(
        choices=OccurrenceStatus.choices,
        source="state",
        help_text="planned: not deployed yet (recorded, or still to come).",
    )
    job_number = serializers.CharField(source="occurrence.job_number", default="")
    note = serializers.CharField(
        source="occurrence.note",
        default="",
        help_text="Why it was skipped or failed, or what the deployed job still lacks.",
    )


class ChangeSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.name", default=None, help_text="The member's name.")

    class Meta:
        model = RecurrenceChange
        fields = ["at", "by", "what"]


class RecurrenceSerializer(serializers.Serializer):
    index = serializers.IntegerField(source="pk_index", help_text="The job's index in the plan.")
    service = serializers.CharField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    interval_months = serializers.IntegerField(allow_null=True)
    first_period_start = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    occurrences_max = serializers.IntegerField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField(allow_null=True)
    staff = serializers.ListField(
        child=serializers.IntegerField(), help_text="Job staff of the occurrences to come."
    )
    changes = ChangeSerializer(many=True)
    occurrences = OccurrenceSerializer(many=True)


class RecurrenceIndexSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=1, help_text="The recurring job's index.")


class FutureStaffSerializer(RecurrenceIndexSerializer):
    staff = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of current members of the practice."
    )


def _recurrence(job: Job, rows: list[Row]) -> dict[str, object]:
    service = job.service
    assert service is not None
    return {
        "pk_index": job.index,
        "service": service.name,
        "frequency": service.frequency,
        "interval_months": service.interval_months,
        "first_period_start": service.first_period_start,
        "ends_on": service.ends_on,
        "occurrences_max": service.occurrences,
        "ended_at": service.ended_at,
        "ended_by": service.ended_by.name if service.ended_by else None,
        "staff": [m.pk for m in job.staff.all()],
        "changes": list(service.changes.select_related("by")),
        "occurrences": [row for row in rows if row.job.pk == job.pk],
    }


class RecurrenceActions(PracticeScoped):
    """The recurrences of a proposal, as actions of the proposals endpoint."""

    if TYPE_CHECKING:

        def get_object(self) -> Proposal: ...

    def _recurrences(self, proposal: Proposal) -> Response:
        rows = proposal_schedule(proposal)
        jobs = proposal.jobs.select_related("service__ended_by").prefetch_related("staff")
        found = [
            _recurrence(job, rows) for job in jobs if job.service is not None and job.service.recurs
        ]
        return Response(RecurrenceSerializer(found, many=True).data)

    def _job(self, proposal: Proposal, data: dict[str, object]) -> Job:
        job = recurring_job(proposal, int(str(data["index"])))
        if job is None:
            raise serializers.ValidationError(
                {"index": ["This proposal has no such recurring job."]}
            )
        return job

    @extend_schema(responses={200: RecurrenceSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], serializer_class=RecurrenceSerializer)
    def recurrences(self, request: Request, pk: str | None = None) -> Response:
        """The proposal's recurring services: their schedule, who ended or changed them and
        when, and every occurrence (planned, deployed with its XPM job number, partly deployed
        with what is missing, failed with why, skipped with why), then the next periods."""
        return self._recurrences(self.get_object())

    @extend_schema(
        request=RecurrenceIndexSerializer,
        responses={200: RecurrenceSerializer(many=True), **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="recurrences/end",
        serializer_class=RecurrenceIndexSerializer,
    )
    def end_recurrence(self, request: Request, pk: str | None = None) -> Response:
        """End the recurrence of job `index`: no further occurrences; the jobs already
        deployed stay in XPM."""
        proposal = self.get_object()
        body = RecurrenceIndexSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = self._job(proposal, body.validated_data)
        recurrence_end(practice=self.practice, job=job, by=self.member)
        return self._recurrences(proposal)

    @extend_schema(
        request=FutureStaffSerializer, responses={200: RecurrenceSerializer(many=True), **ERRORS}
    )
    @action(
        detail=True,
        methods=["put"],
        url_path="recurrences/staff",
        serializer_class=FutureStaffSerializer,
    )
    def recurrence_staff(self, request: Request, pk: str | None = None) -> Response:
        """Set the job staff of job `index`'s occurrences still to be deployed (deployed jobs
        keep theirs); who changed it and when is recorded."""
        proposal = self.get_object()
        body = FutureStaffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recurrence_staff_change(
            practice=self.practice,
            job=self._job(proposal, body.validated_data),
            staff_ids=body.validated_data["staff"],
            by=self.member,
        )
        return self._recurrences(proposal)


class UpcomingSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(source="job.proposal_id")
    reference = serializers.CharField(source="job.proposal.reference")
    client = serializers.CharField(source="job.proposal.client.name")
    job = serializers.CharField(source="job.name")
    index = serializers.IntegerField(source="job.index")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    start_date = serializers.DateField(source="period.job_start")
    due_date = serializers.DateField(source="period.job_due")
    status = serializers.ChoiceField(choices=OccurrenceStatus.choices, source="state")
    job_number = serializers.CharField(source="occurrence.job_number", default="")
    partner = serializers.CharField(source="job.proposal.client.partner.name", default=None)
    manager = serializers.CharField(source="job.proposal.client.manager.name", default=None)
    staff = serializers.SerializerMethodField()

    def get_staff(self, row: Upcoming) -> list[str]:
        return [m.name for m in row.staff]


class UpcomingJobsView(PracticeScoped, APIView):
    """Occurrences of recurring services whose job starts from today to `weeks` ahead, by
    start date, with the client's partner and manager today and the job staff."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "weeks", int, description=f"1 to {MAX_UPCOMING_WEEKS} (default {UPCOMING_WEEKS})"
            )
        ],
        responses={200: UpcomingSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        asked = request.query_params.get("weeks", str(UPCOMING_WEEKS))
        if not asked.isdigit() or not 1 <= int(asked) <= MAX_UPCOMING_WEEKS:
            raise serializers.ValidationError(
                {"weeks": f"Give a number of weeks from 1 to {MAX_UPCOMING_WEEKS}."}
            )
        rows = upcoming_jobs(self.practice, today=timezone.localdate(), days=int(asked) * 7)
        return Response(UpcomingSerializer(rows, many=True).data)
