from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "practicelink.team"
    label = "team"
    verbose_name = "Team"

    def ready(self) -> None:
        from practicelink.team import tokens  # noqa: F401  (revokes tokens on a new password)
