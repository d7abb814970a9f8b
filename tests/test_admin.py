"""Operators inspect every record in the Django admin; nobody edits behind the rules there."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client as BrowserClient
from django.urls import reverse

from practicelink.team.services import invitation_send
from practicelink.team.signup import signup_start
from practicelink.team.tokens import token_create
from tests.factories import ClientFactory, MemberFactory, make_proposal

pytestmark = pytest.mark.django_db
APPS = ("team", "clients", "proposals", "xpm")
MODELS = [model for label in APPS for model in apps.get_app_config(label).get_models()]


@pytest.fixture
def operator() -> BrowserClient:
    get_user_model().objects.create_superuser("operator", "op@example.com", "op-pass-phrase-1")
    web = BrowserClient()
    assert web.login(username="operator", password="op-pass-phrase-1")
    return web


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_is_listed_read_only(operator, model):
    assert model in admin.site._registry
    assert operator.get(_url(model, "changelist")).status_code == 200
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_delete_permission(None)


def test_a_record_opens_without_its_secrets(operator, practice):
    token = invitation_send(practice=practice, member=MemberFactory(practice=practice))
    signup_start(practice_name="P", name="N", email="n@p.example", password="a-long-Pass-9")
    make_proposal(ClientFactory(practice=practice, name="Acme"))
    person = MemberFactory(practice=practice, login="a-long-Pass-9").user
    api_token, secret = token_create(user=person, name="Ops script")
    for model in MODELS:
        record = model.objects.first()
        if record is None:
            continue
        page = operator.get(_url(model, "change", record.pk))
        assert page.status_code == 200, model
        html = page.content.decode()
        assert 'name="_save"' not in html, f"{model.__name__} can be edited"
        assert "token_hash" not in html and "password_hash" not in html
        assert api_token.digest not in html and secret[:15] not in html
    invitation = apps.get_model("team", "Invitation").objects.get()
    assert (
        invitation.token_hash
        not in operator.get(_url(type(invitation), "change", invitation.pk)).content.decode()
    )
    assert token not in operator.get(_url(type(invitation), "changelist")).content.decode()


def test_members_cannot_open_the_admin(admin_web):
    response = admin_web.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
