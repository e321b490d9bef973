from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from portal.money import hundredths, hundredths_text


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, names: Mapping[str, str | None] | None = None
) -> None:
    """Show a service's validation errors on the form: on their field when the form has it.

    `names` maps a service's key to the form's field where they differ (None: the form as a whole)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        field = (names or {}).get(key, key)
        form.add_error(field if field in form.fields else None, messages)


class HundredthsField(forms.CharField):
    """A decimal typed by people (yuan, a percentage), cleaned to integer hundredths (fen, basis
    points) by `portal.money.hundredths`; an integer initial value is shown back as decimal text."""

    MAX_CHARACTERS = 30

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.MAX_CHARACTERS:
            raise ValidationError(_("Enter a number, such as 1234.56."), code="invalid")
        return hundredths(text)

    def prepare_value(self, value: Any) -> Any:
        return hundredths_text(value) if isinstance(value, int) and not isinstance(value, bool) else value


class QuickSelect(forms.Select):
    """A select box rendered in Python. Django renders each option through a template, about a
    millisecond per ten options; a long list (the regions) on a busy page (the tender search)
    pays that on every request. Same markup as Django's, option groups included."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts += [
                format_html(
                    '<option value="{}"{}>{}</option>', option["value"], flatatt(option["attrs"]), option["label"]
                )
                for option in options
            ]
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html
