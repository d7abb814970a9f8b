from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "practicelink.team"
    label = "team"
    verbose_name = "Team"
