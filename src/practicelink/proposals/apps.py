from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "practicelink.proposals"
    label = "proposals"
    verbose_name = "Proposals"
