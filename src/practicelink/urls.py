from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from practicelink import ops
from practicelink.clients.api import ClientViewSet
from practicelink.proposals import views as proposal_views
from practicelink.proposals.api import LibraryServiceViewSet, ProposalViewSet
from practicelink.proposals.schedule_api import UpcomingJobsView
from practicelink.team import signup_views
from practicelink.team import views as team_views
from practicelink.team.api import ApiTokenViewSet, InvitationViewSet, MemberViewSet
from practicelink.xpm.api import (
    BudgetView,
    ConnectionView,
    LinkViewSet,
    MemberStateViewSet,
    SyncRunViewSet,
    SyncSettingsView,
    TenantConfirmView,
    UnlinkedStaffViewSet,
    WhyNotView,
)
from practicelink.xpm.clients_api import (
    ClientConflictViewSet,
    ClientLinkViewSet,
    ClientReviewViewSet,
)
from practicelink.xpm.health_api import (
    AcceptSuggestionsView,
    AssignView,
    GapRecordsView,
    HealthView,
)
from practicelink.xpm.jobs_api import DeploymentViewSet, JobViewSet

router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("tokens", ApiTokenViewSet, basename="api-token")
router.register("clients", ClientViewSet, basename="client")
router.register("proposals/library", LibraryServiceViewSet, basename="library-service")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("xpm/members", MemberStateViewSet, basename="xpm-member")
router.register("xpm/staff/unlinked", UnlinkedStaffViewSet, basename="xpm-staff-unlinked")
router.register("xpm/links", LinkViewSet, basename="xpm-link")
router.register("xpm/syncs", SyncRunViewSet, basename="xpm-sync")
router.register("xpm/client-links", ClientLinkViewSet, basename="xpm-client-link")
router.register("xpm/client-reviews", ClientReviewViewSet, basename="xpm-client-review")
router.register("xpm/client-conflicts", ClientConflictViewSet, basename="xpm-client-conflict")
router.register("xpm/deployments", DeploymentViewSet, basename="xpm-deployment")
router.register("xpm/jobs", JobViewSet, basename="xpm-job")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="proposals:list"), name="home"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("practicelink/favicon.svg"))),
    path("healthz", ops.healthz, name="healthz"),
    path("metrics", ops.metrics, name="metrics"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("invite/<str:token>/", team_views.invitation_accept, name="invitation-accept"),
    path("signup/", signup_views.signup_page, name="signup"),
    path("signup/sent/", signup_views.signup_sent, name="signup-sent"),
    path("signup/verify/<str:token>/", signup_views.signup_verify, name="signup-verify"),
    path("p/<str:token>/", proposal_views.acceptance, name="proposal-acceptance"),
    path("practice/switch/", team_views.practice_switch, name="practice-switch"),
    path("proposals/", include("practicelink.proposals.urls")),
    path("clients/", include("practicelink.clients.urls")),
    path("clients/review/", include("practicelink.xpm.client_urls")),
    path("jobs/", include("practicelink.xpm.job_urls")),
    path("profile/", include("practicelink.team.profile_urls")),
    path("settings/team/", include("practicelink.team.urls")),
    path("settings/team/xpm/", include("practicelink.xpm.team_urls")),
    path("settings/apps/", include("practicelink.xpm.urls")),
    path("api/v1/upcoming-jobs/", UpcomingJobsView.as_view(), name="upcoming-jobs"),
    path("api/v1/xpm/why-not/", WhyNotView.as_view(), name="xpm-why-not"),
    path("api/v1/xpm/budget/", BudgetView.as_view(), name="xpm-budget"),
    path("api/v1/xpm/settings/", SyncSettingsView.as_view(), name="xpm-settings"),
    path("api/v1/xpm/connection/", ConnectionView.as_view(), name="xpm-connection"),
    path("api/v1/xpm/connection/confirm/", TenantConfirmView.as_view(), name="xpm-tenant-confirm"),
    path("api/v1/xpm/health/", HealthView.as_view(), name="xpm-health"),
    path("api/v1/xpm/health/gaps/", GapRecordsView.as_view(), name="xpm-health-gaps"),
    path(
        "api/v1/xpm/health/accept-suggestions/",
        AcceptSuggestionsView.as_view(),
        name="xpm-health-accept-suggestions",
    ),
    path("api/v1/xpm/health/assign/", AssignView.as_view(), name="xpm-health-assign"),
    path("api/v1/signup/", signup_views.SignUpView.as_view(), name="api-signup"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
