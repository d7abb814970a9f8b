from practicelink.admin import register_inspect
from practicelink.team.models import Invitation, Member, Practice, SignUp

register_inspect(Practice, Member, Invitation, SignUp)
