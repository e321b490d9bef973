"""Page forms of statistical reports. They only parse what is typed (yuan and percentages into
fen and basis points, whole numbers); every rule is the service's, whose errors the views put back
on these fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.models.reports import FIRST_YEAR, LAST_YEAR
from monitoring.reports.selectors import Problem
from portal.forms import HundredthsField, QuickSelect
from registry.forms import RegionChoices
from registry.models import Organisation
from registry.taxonomy import Modality

QUARTER_CHOICES = [(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")]
# The service's keys that the form names otherwise (None: shown above the form).
FIELD_NAMES: dict[str, str | None] = {
    "revenue_fen": "revenue",
    "public_data_share_bp": "public_data_share",
    "volumes": None,
    **{f"volumes.{modality}": f"volume_{modality}" for modality in Modality.values},
}


class ReportForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=QUARTER_CHOICES, coerce=int)
    revenue = HundredthsField(label=_("Revenue in the quarter (yuan)"))
    headcount = forms.IntegerField(label=_("Headcount at the end of the quarter"))
    total_items = forms.IntegerField(
        label=_("Annotated items, total"), help_text=_("Must equal the sum of the modalities below.")
    )
    public_data_share = HundredthsField(
        label=_("Share of public-data work (%)"),
        help_text=_("The share of the quarter's annotated items that were public data, for instance 12.5."),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {organisation.pk: organisation for organisation in organisations}
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            (organisation.pk, organisation.name) for organisation in organisations
        ]
        for modality in Modality:
            self.fields[f"volume_{modality.value}"] = forms.IntegerField(
                label=_("Annotated items: %(modality)s") % {"modality": modality.label}, initial=0
            )

    def chosen_organisation(self) -> Organisation:
        return self.organisations[self.cleaned_data["organisation"]]

    def volumes(self) -> dict[str, int]:
        return {modality: self.cleaned_data[f"volume_{modality}"] for modality in Modality.values}

    def figures(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "year": data["year"],
            "quarter": data["quarter"],
            "revenue_fen": data["revenue"],
            "headcount": data["headcount"],
            "total_items": data["total_items"],
            "public_data_share_bp": data["public_data_share"],
            "volumes": self.volumes(),
        }


class OversightFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=QUARTER_CHOICES, coerce=int, required=False, empty_value=None
    )
    region = forms.ChoiceField(label=_("Region"), required=False, widget=QuickSelect)
    problem = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (Problem.ATTENTION, _("Late or flagged")),
            (Problem.LATE, _("Late (missing or submitted after the deadline)")),
            (Problem.FLAGGED, _("Flagged")),
            (Problem.ALL, _("Every organisation expected to report")),
        ],
    )

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions in my scope")), *region_choices]
