"""Sign-up pages: start a practice (email verified first), or add one while signed in; and the
same sign-up over the REST API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import User as Login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from practicelink.forms import run_service
from practicelink.team import signup
from practicelink.team.middleware import SESSION_KEY

SENT_KEY = "signup_sent_to"


def _field(label: str, missing: str, **kwargs: Any) -> forms.CharField:
    required = {"required": f"Please enter {missing}."}
    return forms.CharField(label=label, error_messages=required, **kwargs)


class SignUpForm(forms.Form):
    practice_name = _field("Practice name", "your practice's name", max_length=200)
    name = _field("Your name", "your name", max_length=200)
    email = _field("Email", "your email", max_length=254, help_text="We send a link to confirm it.")
    password = _field("Password", "a password", widget=forms.PasswordInput, strip=False)
    password_again = _field(
        "Password again", "the password again", widget=forms.PasswordInput, strip=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") != data.get("password_again"):
            raise forms.ValidationError("The two passwords differ.")
        return data


class PracticeAddForm(forms.Form):
    practice_name = _field("Practice name", "the practice's name", max_length=200)
    name = _field("Your name in this practice", "your name", max_length=200)


def _welcome(request: HttpRequest, member: Any) -> HttpResponse:
    request.session[SESSION_KEY] = member.practice_id
    messages.success(request, f"Welcome to {member.practice.name}. You are its admin.")
    return redirect("proposals:list")


@require_http_methods(["GET", "POST"])
def signup_page(request: HttpRequest) -> HttpResponse:
    """Anyone: practice, name, email, password. Signed in: just the new practice's name."""
    user = request.user
    if isinstance(user, Login):  # signed in
        member = getattr(request, "member", None)
        initial = {"name": member.name if member else user.get_full_name()}
        add = PracticeAddForm(request.POST or None, initial=initial)
        if request.method == "POST" and add.is_valid():
            added = run_service(add, lambda: signup.practice_add(user=user, **add.cleaned_data))
            if added is not None:
                return _welcome(request, added)
        return render(request, "team/signup.html", {"form": add, "signed_in": True})
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = run_service(
            form,
            lambda: signup.signup_start(
                practice_name=data["practice_name"],
                name=data["name"],
                email=data["email"],
                password=data["password"],
            ),
        )
        if token is not None:
            request.session[SENT_KEY] = data["email"].strip()
            return redirect("signup-sent")
    return render(request, "team/signup.html", {"form": form, "signed_in": False})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "team/signup_sent.html", {"email": request.session.get(SENT_KEY)})


@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (mail scanners open links too); POST creates the practice."""
    try:
        pending = signup.signup_lookup(token)
        if request.method == "POST":
            member = signup.signup_verify(token=token)
            login(request, member.user, backend="practicelink.team.backends.EmailBackend")
            return _welcome(request, member)
    except ValidationError as error:
        return render(request, "team/signup_invalid.html", {"error": error.messages[0]}, status=410)
    return render(request, "team/signup_verify.html", {"signup": pending})


class SignUpSerializer(serializers.Serializer):
    practice_name = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class SignUpDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SignUpView(APIView):
    """Start a practice: emails its admin a link to confirm the address. The practice, the
    admin and their login exist once the link is opened."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    @extend_schema(request=SignUpSerializer, responses={202: SignUpDetailSerializer})
    def post(self, request: Request) -> Response:
        body = SignUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signup.signup_start(**body.validated_data)
        sent = f"We sent a link to {body.validated_data['email'].strip()}: open it to confirm."
        return Response({"detail": sent}, status=status.HTTP_202_ACCEPTED)
