from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "practicelink.clients"
    label = "clients"
    verbose_name = "Clients"
