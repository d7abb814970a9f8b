"""REST API of deployments and deployed jobs: /api/v1/xpm/deployments/, /api/v1/xpm/jobs/."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from practicelink.api import PracticeScoped
from practicelink.proposals.selectors import proposal_list
from practicelink.xpm import jobs
from practicelink.xpm.deployments import deployment_redeploy
from practicelink.xpm.models import Deployment, DeploymentAttempt


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeploymentAttempt
        fields = ["at", "call", "sent", "ok", "answer"]


class DeploymentSerializer(serializers.ModelSerializer):
    job_index = serializers.IntegerField(source="job.index", read_only=True)
    job_name = serializers.CharField(source="job.name", read_only=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "proposal",
            "job_index",
            "job_name",
            "job_number",
            "status",
            "xpm_uuid",
            "missing",
            "problem",
            "created_at",
            "deployed_at",
            "attempts",
        ]


class RedeploySerializer(serializers.Serializer):
    proposal = serializers.IntegerField(help_text="An accepted proposal of the practice.")


class StaffRefSerializer(serializers.Serializer):
    uuid = serializers.CharField()
    name = serializers.CharField()


class XpmTaskSerializer(serializers.Serializer):
    uuid = serializers.CharField(help_text="The job-task UUID (what `allocate` takes).")
    name = serializers.CharField()
    estimated_minutes = serializers.IntegerField()
    completed = serializers.BooleanField()
    assigned = StaffRefSerializer(many=True)


class XpmJobSerializer(serializers.Serializer):
    """The job as XPM holds it now (`job.api/get`)."""

    id = serializers.CharField(help_text="The XPM job number.")
    uuid = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    partner = StaffRefSerializer(allow_null=True)
    manager = StaffRefSerializer(allow_null=True)
    assigned = StaffRefSerializer(many=True, help_text="The job staff.")
    tasks = XpmTaskSerializer(many=True)


class AllocateSerializer(serializers.Serializer):
    task_uuid = serializers.CharField()
    staff_uuid = serializers.CharField(help_text="One of the job's staff (`assigned`).")


class DeploymentViewSet(PracticeScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Each planned job of an accepted proposal and how its deployment to XPM stands."""

    serializer_class = DeploymentSerializer
    filterset_fields = ["proposal"]

    def get_queryset(self):
        return (
            Deployment.objects.filter(practice=self.practice)
            .select_related("job")
            .prefetch_related("attempts")
            .order_by("proposal_id", "job__index", "pk")
        )

    @extend_schema(request=RedeploySerializer, responses=DeploymentSerializer(many=True))
    @action(detail=False, methods=["post"], serializer_class=RedeploySerializer)
    def redeploy(self, request: Request) -> Response:
        """Deploy again what is not fully deployed; only what is missing is added."""
        body = RedeploySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = get_object_or_404(
            proposal_list(practice=self.practice), pk=body.validated_data["proposal"]
        )
        deployment_redeploy(practice=self.practice, proposal=proposal)
        rows = self.get_queryset().filter(proposal=proposal)
        return Response(DeploymentSerializer(rows, many=True).data)


class JobViewSet(PracticeScoped, viewsets.ViewSet):
    """A job this practice deployed, read from XPM, and allocating its tasks."""

    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]+"
    serializer_class = XpmJobSerializer

    def _view(self, number: str) -> jobs.JobView:
        try:
            return jobs.job_read(practice=self.practice, job_number=number)
        except Deployment.DoesNotExist as missing:
            raise Http404(str(missing)) from missing

    @extend_schema(responses=XpmJobSerializer)
    def retrieve(self, request: Request, number: str | None = None) -> Response:
        return Response(XpmJobSerializer(self._view(number or "").job).data)

    @extend_schema(request=AllocateSerializer, responses=XpmJobSerializer)
    @action(detail=True, methods=["post"], serializer_class=AllocateSerializer)
    def allocate(self, request: Request, number: str | None = None) -> Response:
        """Allocate a task to one of the job's staff (anyone else is refused)."""
        # the job first (no XPM call): another practice's is a 404 whatever the body says
        jobs.deployment_get(practice=self.practice, job_number=number or "")
        body = AllocateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        view = jobs.task_allocate(
            practice=self.practice, job_number=number or "", **body.validated_data
        )
        return Response(XpmJobSerializer(view.job).data)
