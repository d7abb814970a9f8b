"""factory-boy factories for the domain (models directly; services have their own tests)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from practicelink.clients.models import Client
from practicelink.proposals.services import ServiceLine, proposal_create
from practicelink.team.models import Access, Member, Practice


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    """A member; pass `login="password"` to give them an active login."""

    class Meta:
        model = Member

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Member {n}")
    email = factory.LazyAttribute(lambda m: f"{m.name.lower().replace(' ', '.')}@example.com")
    role = "standard"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.pop("login", None)
        member = super()._create(model_class, *args, **kwargs)
        if password:
            user_model = get_user_model()
            user, created = user_model.objects.get_or_create(
                username=member.email_normalised, defaults={"email": member.email}
            )
            if created:
                user.set_password(password)
                user.save()
            member.user = user
            member.access = Access.ACTIVE
            member.save()
        return member


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Client {n}")


def make_proposal(client: Client, title: str = "Compliance", price: str = "100", **_: object):
    return proposal_create(
        practice=client.practice,
        client=client,
        title=title,
        services=[ServiceLine("Accounts", "", Decimal("1"), Decimal(price))],
    )
