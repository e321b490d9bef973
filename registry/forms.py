"""Page forms of the registry. They only parse what is typed; the rules live in registry.services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import HundredthsField
from registry.models import HolderKind, SizeClass
from registry.roles import OrganisationKind, Role, role_allowed
from registry.taxonomy import Modality, Sector

RegionChoices = list[tuple[str, list[tuple[str, str]]]]


class NoEchoTextInput(forms.TextInput):
    """A text box that never renders the value back: a page re-shown after an error must not carry
    a resident identity number typed into it."""

    def format_value(self, value: Any) -> str | None:
        return None


class OrganisationRegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=64,
        help_text=_("18 characters, as printed on the business licence."),
    )
    region = forms.ChoiceField(label=_("Region"))

    def __init__(self, *args: object, region_choices: RegionChoices, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "---------"), *region_choices]


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices])
    region = forms.ChoiceField(label=_("Region"), required=False)
    modality = forms.ChoiceField(
        label=_("Modality"), required=False, choices=[("", _("All modalities")), *Modality.choices]
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])
    include_unverified = forms.BooleanField(
        label=_("Include unverified"),
        required=False,
        help_text=_("Also your own organisations awaiting verification (operators: all)."),
    )

    def __init__(self, *args: object, region_choices: RegionChoices, signed_in: bool = False, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions")), *region_choices]
        if not signed_in:
            del self.fields["include_unverified"]


class OrganisationProfileForm(forms.Form):
    """The profile as managing staff edit it. The identity number is never shown back: leaving it
    empty keeps the stored one. Capabilities are a tick per modality with an optional capacity."""

    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ChoiceField(label=_("Region"))
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100, required=False)
    legal_representative_id_number = forms.CharField(
        label=_("Legal representative's resident identity number"),
        max_length=32,
        required=False,
        widget=NoEchoTextInput(attrs={"autocomplete": "off"}),
    )
    registered_capital = HundredthsField(
        label=_("Registered capital (yuan)"), required=False, help_text=_("In yuan, at most two decimals.")
    )
    founded_on = forms.DateField(
        label=_("Founded on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"), required=False, choices=[("", _("Not given")), *SizeClass.choices]
    )
    annotator_headcount = forms.IntegerField(label=_("Annotators"), required=False)
    iso27001_certified = forms.BooleanField(label=_("ISO/IEC 27001 certified"), required=False)
    mlps_level = forms.TypedChoiceField(
        label=_("Cybersecurity protection level (等保)"),
        coerce=int,
        choices=[(0, _("Not graded")), *[(level, str(level)) for level in range(1, 6)]],
    )
    modalities = forms.MultipleChoiceField(
        label=_("Modalities annotated"),
        required=False,
        choices=Modality.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors served"), required=False, choices=Sector.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, region_choices: RegionChoices, id_masked: str = "", **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "---------"), *region_choices]
        id_field = self.fields["legal_representative_id_number"]
        if id_masked:
            id_field.help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {"masked": id_masked}
        else:
            id_field.help_text = _("18 characters. Only a masked form is kept.")
        for modality in Modality:
            self.fields[capacity_field(modality)] = forms.IntegerField(
                label=_("Daily capacity, %(modality)s (items)") % {"modality": modality.label}, required=False
            )
        names = list(self.fields)
        capacities = [capacity_field(modality) for modality in Modality]
        rest = [name for name in names if name not in capacities]
        position = rest.index("modalities") + 1
        self.order_fields([*rest[:position], *capacities, *rest[position:]])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        ticked = set(cleaned.get("modalities") or [])
        for modality in Modality:
            if cleaned.get(capacity_field(modality)) is not None and modality.value not in ticked:
                self.add_error(
                    capacity_field(modality),
                    _("Tick %(modality)s to give its capacity.") % {"modality": modality.label},
                )
        return cleaned

    def capabilities(self) -> dict[str, int | None]:
        return {
            modality: self.cleaned_data.get(capacity_field(modality)) for modality in self.cleaned_data["modalities"]
        }


def capacity_field(modality: str) -> str:
    return f"capacity_{modality}"


class ShareholderForm(forms.Form):
    """One row of the shareholder list; an empty row is skipped."""

    existing = forms.IntegerField(required=False, widget=forms.HiddenInput)
    holder_kind = forms.ChoiceField(label=_("Holder kind"), choices=[("", "---------"), *HolderKind.choices])
    name = forms.CharField(label=_("Holder name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Credit code"), max_length=64, required=False, help_text=_("Organisation holders.")
    )
    id_number = forms.CharField(
        label=_("Resident identity number"),
        max_length=32,
        required=False,
        widget=NoEchoTextInput(attrs={"autocomplete": "off"}),
        help_text=_("Natural persons. Leave empty to keep a stored one."),
    )
    share_percent = HundredthsField(label=_("Share (%)"), help_text=_("At most two decimals."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("id_masked"):
            self.fields["id_number"].help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {
                "masked": self.initial["id_masked"]
            }


class BaseShareholderFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[forms.Form]:
        """The rows that carry a holder, in order (blank extra rows and deleted rows left out)."""
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


ShareholderFormSet = forms.formset_factory(
    ShareholderForm, formset=BaseShareholderFormSet, extra=2, can_delete=True, max_num=200, validate_max=True
)


class RelationDeclareForm(forms.Form):
    related_credit_code = forms.CharField(
        label=_("Credit code of the related organisation"),
        max_length=64,
        help_text=_("It must be registered on the portal."),
    )
    nature = forms.CharField(
        label=_("Nature of the relation"),
        max_length=200,
        help_text=_("For example: same actual controller, parent company, subsidiary."),
    )


class MembershipAddForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    scope_region = forms.ChoiceField(
        label=_("Regulatory scope"), required=False, help_text=_("Regulators only; leave empty for nationwide.")
    )

    def __init__(
        self,
        *args: object,
        kind: str,
        region_choices: RegionChoices,
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        roles = [(role.value, role.label) for role in Role if role_allowed(role, kind)]
        cast(forms.ChoiceField, self.fields["role"]).choices = roles
        cast(forms.ChoiceField, self.fields["scope_region"]).choices = [("", _("Nationwide")), *region_choices]
