import warnings

from django.apps import AppConfig


class XpmConfig(AppConfig):
    name = "practicelink.xpm"
    label = "xpm"
    verbose_name = "Xero Practice Manager"

    def ready(self) -> None:
        # Authlib 1.9 nudges towards the young `httpx2` fork on import of its httpx client; we
        # stay on httpx, which XpmClient uses too.
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.filterwarnings("ignore", "The httpx module", category=AuthlibDeprecationWarning)

        from practicelink.clients import hooks as client_hooks
        from practicelink.proposals import hooks as proposal_hooks
        from practicelink.team import hooks
        from practicelink.xpm.clients_ui import ClientLinkColumn, client_saved
        from practicelink.xpm.deployments import proposal_accepted
        from practicelink.xpm.proposals_ui import DeploymentPanel, XpmJobCatalogue
        from practicelink.xpm.team_ui import LinkBadges, StaffLinkFormExtension

        hooks.member_form_extensions.append(StaffLinkFormExtension())
        hooks.member_list_decorators.append(LinkBadges())
        proposal_hooks.job_catalogues.append(XpmJobCatalogue())
        client_hooks.client_saved_handlers.append(client_saved)
        client_hooks.client_list_decorators.append(ClientLinkColumn())
        proposal_hooks.proposal_accepted_handlers.append(proposal_accepted)
        proposal_hooks.proposal_panels.append(DeploymentPanel())
