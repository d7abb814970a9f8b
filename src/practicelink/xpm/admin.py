from django.apps import apps

from practicelink.admin import register_inspect

register_inspect(*apps.get_app_config("xpm").get_models())
