"""Form helpers shared by the domain apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

T = TypeVar("T")


def run_service(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run a service for a valid form; on ValidationError, show it on the form and return None."""
    try:
        return call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in form.fields else NON_FIELD_ERRORS
                for message in messages:
                    form.add_error(None if target == NON_FIELD_ERRORS else target, message)
        else:
            for message in error.messages:
                form.add_error(None, message)
        return None
