"""Page forms for excellent cases and competitions. They only parse; the services hold the rules."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.bases.forms import CreditCodeField
from registry.showcase.models import Award
from registry.taxonomy import Modality, Sector

FIGURE_SEPARATOR = re.compile(r"\s*[|｜]\s*")


class CaseFilterForm(forms.Form):
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])
    modality = forms.ChoiceField(
        label=_("Modality"), required=False, choices=[("", _("All modalities")), *Modality.choices]
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [("", _("All years")), *((y, y) for y in years)]


class FiguresField(forms.CharField):
    """Key figures typed one per line as `label | value`; cleans to a list of {label, value}."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> list[dict[str, str]]:  # type: ignore[override]
        text = super().to_python(value) or ""
        figures = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = FIGURE_SEPARATOR.split(line.strip(), maxsplit=1)
            if len(parts) != 2 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    _("Line %(number)s: write the label, a vertical bar, then the value (销售额 | 1200 万元)."),
                    params={"number": number},
                    code="invalid",
                )
            figures.append({"label": parts[0], "value": parts[1]})
        return figures

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(f"{item['label']} | {item['value']}" for item in value)
        return value


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    organisation = CreditCodeField(label=_("Organisation's unified social credit code"))
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    modality = forms.ChoiceField(label=_("Modality"), choices=Modality.choices)
    year = forms.IntegerField(label=_("Year"))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 6}))
    figures = FiguresField(
        label=_("Key figures"), required=False, help_text=_("One per line: label | value. At most 12.")
    )


class CompetitionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    year = forms.IntegerField(label=_("Year"))
    organiser = CreditCodeField(
        label=_("Organiser's unified social credit code"), required=False, help_text=_("Optional.")
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class EntryForm(forms.Form):
    organisation = CreditCodeField(label=_("Entrant's unified social credit code"))
    title = forms.CharField(label=_("Entry title"), max_length=200)
    award = forms.ChoiceField(label=_("Award"), choices=Award.choices, initial=Award.NONE)


class AwardForm(forms.Form):
    award = forms.ChoiceField(label=_("Award"), choices=Award.choices)
