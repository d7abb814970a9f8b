"""REST API for proposals: /api/v1/proposals/."""

from __future__ import annotations

from decimal import Decimal

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from practicelink.api import PracticeScoped
from practicelink.clients.models import Client
from practicelink.proposals import exports, selectors, services
from practicelink.proposals.filters import ProposalFilterSet
from practicelink.proposals.models import Proposal, Service, Status
from practicelink.team.permissions import request_member


class PracticeClientField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        member = request_member(self.context["request"])
        return Client.objects.filter(practice=member.practice) if member else Client.objects.none()


class ServiceSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))

    class Meta:
        model = Service
        fields = ["name", "description", "quantity", "price"]


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
            "total",
            "services",
            "created_at",
            "sent_at",
            "accepted_at",
            "declined_at",
            "lost_at",
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
        ]


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


def _lines(data: list[dict]) -> list[services.ServiceLine]:
    return [services.ServiceLine(**line) for line in data]


class ProposalPagination(PageNumberPagination):
    """Same page-size parameter as the screen (`per_page`)."""

    page_size_query_param = "per_page"
    max_page_size = 200


class ProposalViewSet(
    PracticeScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    pagination_class = ProposalPagination

    def get_queryset(self):
        proposals = selectors.proposal_list(practice=self.practice)
        return proposals if self.action == "export" else proposals.prefetch_related("services")

    def perform_create(self, serializer: ProposalSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.proposal_create(
            practice=self.practice,
            client=data["client"],
            title=data["title"],
            services=_lines(data["services"]),
        )

    def perform_update(self, serializer: ProposalSerializer) -> None:
        proposal = serializer.instance
        data = serializer.validated_data
        lines = data.get("services")
        serializer.instance = services.proposal_update(
            practice=self.practice,
            proposal=proposal,
            client=data.get("client", proposal.client),
            title=data.get("title", proposal.title),
            services=_lines(lines)
            if lines is not None
            else [
                services.ServiceLine(s.name, s.description, s.quantity, s.price)
                for s in proposal.services.all()
            ],
        )

    @action(detail=True, methods=["post"], serializer_class=StatusSerializer)
    def status(self, request: Request, pk: str | None = None) -> Response:
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = services.proposal_set_status(
            practice=self.practice, proposal=self.get_object(), status=body.validated_data["status"]
        )
        return Response(ProposalSerializer(proposal, context={"request": request}).data)

    @extend_schema(
        parameters=[OpenApiParameter("bom", bool, description="Start with a UTF-8 BOM (Excel)")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> StreamingHttpResponse:
        """The filtered, sorted list (all of it, unpaginated) as CSV; same filters as the list."""
        return exports.csv_response(
            self.filter_queryset(self.get_queryset()),
            practice=self.practice,
            bom=request.query_params.get("bom") in ("1", "true"),
        )
