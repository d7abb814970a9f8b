from django.apps import AppConfig


class XpmConfig(AppConfig):
    name = "practicelink.xpm"
    label = "xpm"
    verbose_name = "Xero Practice Manager"
