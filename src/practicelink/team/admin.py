from practicelink.admin import register_inspect
from practicelink.team.models import ApiToken, Invitation, Member, Practice, SignUp

register_inspect(Practice, Member, Invitation, SignUp, ApiToken)
