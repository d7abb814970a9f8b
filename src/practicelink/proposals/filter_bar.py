"""The proposals list's filter bar, written in Python: its widgets and the fields' paragraphs.

Django renders each widget, option and label through a template of its own, and the template
language spends about 20 µs on each variable: the filter bar cost a quarter of the page's
server time, more than its queries. The widgets here write the markup Django's templates
would (inputs, selects, date ranges), save whitespace; `filter_fields` writes what the list's
template wrote for each field.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django_filters.widgets import DateRangeWidget


def input_tag(widget: Mapping[str, Any]) -> SafeString:
    """`<input>` from a widget's context, as django/forms/widgets/input.html writes it."""
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        "" if value is None else format_html(' value="{}"', value),
        flatatt(widget["attrs"]),
    )


class QuickInput(forms.widgets.Input):
    """An input written in Python (type from `input_type`, e.g. "search")."""

    def render(
        self,
        name: str,
        value: object,
        attrs: dict[str, object] | None = None,
        renderer: object = None,
    ) -> SafeString:
        return input_tag(self.get_context(name, value, attrs)["widget"])


class QuickSearchInput(QuickInput):
    input_type = "search"


def _escaped(text: object) -> str:
    """conditional_escape() without its check for lazy strings on each call (html.escape is
    what it calls): a picker of 60 members has 60 labels."""
    return text.__html__() if hasattr(text, "__html__") else escape(str(text))


class QuickSelect(forms.Select):
    """A select whose options are built in Python rather than one template each (Django's
    per-option templates cost more than the page's queries), escaped as format_html would."""

    def render(
        self,
        name: str,
        value: object,
        attrs: dict[str, object] | None = None,
        renderer: object = None,
    ) -> SafeString:
        selected = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) == selected else ""}>'
            f"{_escaped(label)}</option>"
            for key, label in self.choices
        )
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            final_attrs,
            mark_safe(options),  # noqa: S308 - every key and label is escaped above
        )


class QuickCheckboxes(forms.CheckboxSelectMultiple):
    """One checkbox per choice, each in a `<label class="check">` with its choice's label."""

    def render(
        self,
        name: str,
        value: object,
        attrs: dict[str, object] | None = None,
        renderer: object = None,
    ) -> SafeString:
        groups = self.get_context(name, value, attrs)["widget"]["optgroups"]
        return format_html_join(
            "",
            '<label class="check">{} {}</label>',
            ((input_tag(box), box["label"]) for _, boxes, _ in groups for box in boxes),
        )


class QuickDateRange(DateRangeWidget):
    """From/to date inputs (`<name>_after`, `<name>_before`) joined by a dash."""

    def render(
        self,
        name: str,
        value: object,
        attrs: dict[str, object] | None = None,
        renderer: object = None,
    ) -> SafeString:
        ends = self.get_context(name, value, attrs)["widget"]["subwidgets"]
        return format_html_join("-", "{}", ((input_tag(end),) for end in ends))


def _label(field: forms.BoundField) -> SafeString:
    """`<label>` as BoundField.label_tag writes it: the suffix unless the label ends in
    punctuation, `for` only when the widget has one element to point at."""
    text = field.label
    suffix = field.form.label_suffix
    if suffix and text and text[-1] not in ":?.!":
        text = f"{text}{suffix}"
    target = field.id_for_label
    if not target:
        return format_html("<label>{}</label>", text)
    return format_html('<label for="{}">{}</label>', target, text)


def _errors(field: forms.BoundField) -> SafeString:
    if not field.errors:
        return SafeString()
    items = format_html_join("", "<li>{}: {}</li>", ((field.label, e) for e in field.errors))
    return format_html('<ul class="errorlist" role="alert">{}</ul>', items)


def filter_fields(form: forms.Form, *, hidden: tuple[str, ...] = ("sort",)) -> SafeString:
    """The form's errors, then each field but `hidden` ones: a paragraph with its label and
    widget (a fieldset for a group of checkboxes), then its errors."""
    html = SafeString()
    if form.non_field_errors():
        items = format_html_join("", "<li>{}</li>", ((e,) for e in form.non_field_errors()))
        html += format_html('<ul class="errorlist" role="alert">{}</ul>', items)
    for field in form:
        if field.name in hidden:
            continue
        if isinstance(field.field.widget, forms.CheckboxSelectMultiple):
            html += format_html(
                "\n  <fieldset><legend>{}</legend>{}</fieldset>", field.label, field.as_widget()
            )
        else:
            html += format_html("\n  <p>{} {}</p>", _label(field), field.as_widget())
        html += _errors(field)
    return html
