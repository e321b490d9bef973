"""Page forms for bases. They only parse; the services hold the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import HundredthsField
from registry.bases.models import Designation
from registry.models import Organisation, VerificationStatus
from registry.roles import OrganisationKind

RegionChoices = list[tuple[str, list[tuple[str, str]]]]


class BaseFilterForm(forms.Form):
    designation = forms.ChoiceField(
        label=_("Designation"), required=False, choices=[("", _("All designations")), *Designation.choices]
    )
    province = forms.ChoiceField(label=_("Province"), required=False)

    def __init__(self, *args: Any, province_choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["province"]).choices = [("", _("All provinces")), *province_choices]


class CreditCodeField(forms.ModelChoiceField):
    """An organisation entered by its unified social credit code (verified organisations only)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("No verified organisation has this unified social credit code.")},
        )
        super().__init__(
            queryset=Organisation.objects.filter(status=VerificationStatus.VERIFIED),
            to_field_name="credit_code",
            widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off"}),
            **kwargs,
        )

    def to_python(self, value: Any) -> Any:
        return super().to_python((value or "").strip().upper() if isinstance(value, str) else value)


class BaseCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    city = forms.ChoiceField(label=_("City"))
    designation = forms.ChoiceField(label=_("Designation"), choices=Designation.choices)
    operator = forms.ModelChoiceField(
        label=_("Operator organisation"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.BASE_OPERATOR, status=VerificationStatus.VERIFIED),
        help_text=_("A verified organisation of kind annotation base operator."),
    )
    designated_on = forms.DateField(label=_("Designated on"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["city"]).choices = [("", "---------"), *region_choices]


class BaseMemberAddForm(forms.Form):
    organisation = CreditCodeField(
        label=_("Member's unified social credit code"), help_text=_("A verified organisation.")
    )
    joined_on = forms.DateField(
        label=_("Joined on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )


QUARTERS = [
    (1, _("Q1 (January to March)")),
    (2, _("Q2 (April to June)")),
    (3, _("Q3 (July to September)")),
    (4, _("Q4 (October to December)")),
]


class BaseOutputForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=QUARTERS)
    annotated_items = forms.IntegerField(label=_("Annotated items"))
    revenue_fen = HundredthsField(label=_("Revenue (yuan)"))
    headcount = forms.IntegerField(label=_("Headcount"))
