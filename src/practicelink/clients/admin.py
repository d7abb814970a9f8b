from practicelink.admin import register_inspect
from practicelink.clients.models import Client

register_inspect(Client)
