"""Page forms of the talent pool: they parse; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.talent.models import CertificateStatus, EmploymentRole, ExpertStatus, Occupation, SkillLevel
from registry.taxonomy import Modality, Sector

RegionChoices = list[tuple[str, list[tuple[str, str]]]]
# portal.css widens every input of a field to 220px; a checkbox keeps its own size.
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"style": "min-width: 0"})


class NoEchoInput(forms.TextInput):
    """A text box that never writes its value back into the page: a resident identity number typed
    into a form that fails validation must not come back in the HTML."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _id_number_field() -> forms.CharField:
    return forms.CharField(
        label=_("Resident identity number"),
        max_length=32,
        widget=NoEchoInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Kept only as a keyed hash and a masked form; never shown in full."),
    )


class _RegionForm(forms.Form):
    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "---------"), *region_choices]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions")), *region_choices]


class LinkAccountForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    id_number = _id_number_field()


class CertificateIssueForm(_RegionForm):
    issuer = forms.TypedChoiceField(label=_("Issuer"), coerce=int)
    holder_name = forms.CharField(label=_("Holder's name"), max_length=100)
    id_number = _id_number_field()
    region = forms.ChoiceField(
        label=_("Holder's region"), required=False, help_text=_("Needed when the holder is new to the talent pool.")
    )
    skills = forms.CharField(
        label=_("Skills"), required=False, max_length=1000, help_text=_("Separated by commas, e.g. 图像标注, 语音转写.")
    )
    occupation = forms.ChoiceField(label=_("Occupation"), choices=Occupation.choices)
    level = forms.TypedChoiceField(label=_("Level"), choices=SkillLevel.choices, coerce=int)
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, issuers: list[tuple[int, str]], region_choices: RegionChoices, **kwargs: Any):
        super().__init__(*args, region_choices=region_choices, **kwargs)
        cast(forms.ChoiceField, self.fields["issuer"]).choices = issuers

    def clean_skills(self) -> list[str]:
        text = self.cleaned_data.get("skills") or ""
        return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class CertificateFilterForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), required=False, max_length=64)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *CertificateStatus.choices]
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), max_length=1000)


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    issuer = forms.CharField(required=False, max_length=18, widget=forms.HiddenInput)


class ExpertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ExpertStatus.choices]
    )


class ExpertApplyForm(_RegionForm):
    name = forms.CharField(label=_("Your name"), max_length=100)
    id_number = _id_number_field()
    region = forms.ChoiceField(label=_("Region"))
    modalities = forms.MultipleChoiceField(
        label=_("Modalities you evaluate"), required=False, choices=Modality.choices, widget=CHECKBOXES
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors you evaluate"), required=False, choices=Sector.choices, widget=CHECKBOXES
    )


class AvailabilityForm(forms.Form):
    available = forms.BooleanField(label=_("Available for evaluation committees"), required=False)
    unavailable_until = forms.DateField(
        label=_("Unavailable until"),
        required=False,
        widget=DateInput(),
        help_text=_("Inclusive; leave empty when there is no such period."),
    )


class EmploymentForm(forms.Form):
    organisation = forms.CharField(
        label=_("Organisation's unified social credit code"), max_length=32, help_text=_("It must be registered here.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=EmploymentRole.choices)
    started_on = forms.DateField(label=_("From"), widget=DateInput())
    ended_on = forms.DateField(label=_("To"), required=False, widget=DateInput(), help_text=_("Empty: still there."))


class EmploymentEndForm(forms.Form):
    """Give the end date of a job the expert left (the rest of the line stays as it is)."""

    ended_on = forms.DateField(label=_("To"), widget=DateInput())


class RelationForm(forms.Form):
    organisation = forms.CharField(label=_("Organisation's unified social credit code"), max_length=32)
    nature = forms.CharField(label=_("Nature of the relation"), max_length=200)


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
