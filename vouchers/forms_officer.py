"""Page forms of voucher officers. They only parse what is typed (yuan and percentages into integer
hundredths, dates, lists of credit codes); the rules live in vouchers.services, whose errors the
views put back on these forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import HundredthsField, QuickSelect
from registry.forms import RegionChoices
from registry.models import Organisation
from registry.roles import OrganisationKind
from vouchers import services
from vouchers.models import Programme, ProgrammeKind, ProviderRule
from vouchers.services.settlement import MAX_TRANSFER_NUMBER

MAX_NOTE = 2_000
MAX_PROVIDER_LIST = 20_000  # characters: about a thousand credit codes
# Who may hold, in the order the registry lists the kinds.
HOLDER_KIND_CHOICES = [(kind.value, kind.label) for kind in OrganisationKind if kind in services.HOLDER_KINDS]
# Programme form fields whose service key differs (the service speaks fen and basis points).
PROGRAMME_FIELD_NAMES = {"budget_fen": "budget", "coverage_bp": "coverage", "holder_cap_fen": "holder_cap"}


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ProgrammeForm(forms.Form):
    """A programme's terms: created as a draft, editable while it is one. `authorities`: the
    voucher authorities the officer may create it for (a choice only when there are several);
    empty when editing."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of voucher"), choices=ProgrammeKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    budget = HundredthsField(label=_("Budget (yuan)"))
    coverage = HundredthsField(
        label=_("Coverage (%)"),
        initial=5_000,
        help_text=_("The share of an eligible contract's or order's value a voucher may pay, for instance 50."),
    )
    holder_cap = HundredthsField(label=_("Cap per holder per year (yuan)"))
    valid_from = forms.DateField(label=_("Valid from"), widget=_date_widget())
    valid_until = forms.DateField(label=_("Valid until"), widget=_date_widget())
    holder_region = forms.ChoiceField(
        label=_("Holders' region"), help_text=_("Includes its sub-regions."), widget=QuickSelect
    )
    holder_kinds = forms.MultipleChoiceField(
        label=_("Who may hold vouchers"), choices=HOLDER_KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    provider_rule = forms.ChoiceField(
        label=_("Eligible providers"),
        choices=ProviderRule.choices,
        initial=ProviderRule.REGION,
        widget=forms.RadioSelect,
    )
    provider_region = forms.ChoiceField(
        label=_("Providers' region"),
        required=False,
        help_text=_("When providers are the verified vendors of a region (its sub-regions included)."),
        widget=QuickSelect,
    )
    providers = forms.CharField(
        label=_("Listed providers"),
        required=False,
        max_length=MAX_PROVIDER_LIST,
        widget=_text_area(4),
        help_text=_("When providers are an explicit list: their unified social credit codes, one a line."),
    )
    rules = forms.CharField(
        label=_("Rules and evidence required"), required=False, max_length=20_000, widget=_text_area(5)
    )

    def __init__(
        self, *args: Any, region_choices: RegionChoices, authorities: list[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.authorities = authorities or []
        if len(self.authorities) > 1:
            self.fields["authority"] = forms.TypedChoiceField(
                label=_("Voucher authority"), coerce=int, choices=[(a.pk, a.name) for a in self.authorities]
            )
            self.order_fields(["authority", *[name for name in self.fields if name != "authority"]])
        cast(forms.ChoiceField, self.fields["holder_region"]).choices = [("", "---------"), *region_choices]
        cast(forms.ChoiceField, self.fields["provider_region"]).choices = [("", "---------"), *region_choices]
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year

    @staticmethod
    def initial_for(programme: Programme) -> dict[str, Any]:
        """What the form shows for an existing draft."""
        return {
            "name": programme.name,
            "kind": programme.kind,
            "year": programme.year,
            "budget": programme.budget_fen,
            "coverage": programme.coverage_bp,
            "holder_cap": programme.holder_cap_fen,
            "valid_from": programme.valid_from,
            "valid_until": programme.valid_until,
            "holder_region": programme.holder_region_id,
            "holder_kinds": list(programme.holder_kinds),
            "provider_rule": programme.provider_rule,
            "provider_region": programme.provider_region_id or "",
            "providers": "\n".join(programme.providers.order_by("credit_code").values_list("credit_code", flat=True)),
            "rules": programme.rules,
        }

    def authority(self) -> Organisation:
        """The authority the programme is created for."""
        if "authority" not in self.fields:
            return self.authorities[0]
        return next(a for a in self.authorities if a.pk == self.cleaned_data["authority"])

    def spec(self) -> services.ProgrammeSpec:
        data = self.cleaned_data
        return services.ProgrammeSpec(
            name=data["name"],
            kind=data["kind"],
            year=data["year"],
            budget_fen=data["budget"],
            coverage_bp=data["coverage"],
            holder_cap_fen=data["holder_cap"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            holder_region_code=data["holder_region"],
            holder_kinds=list(data["holder_kinds"]),
            provider_rule=data["provider_rule"],
            provider_region_code=data["provider_region"] if data["provider_rule"] == ProviderRule.REGION else "",
            provider_credit_codes=data["providers"].split() if data["provider_rule"] == ProviderRule.LIST else [],
            rules=data["rules"],
        )


class ApplicationFilterForm(forms.Form):
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, programmes: list[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programmes = {programme.pk: programme for programme in programmes}
        cast(forms.ChoiceField, self.fields["programme"]).choices = [
            ("", _("All my programmes")),
            *[(programme.pk, f"{programme.name} ({programme.year})") for programme in programmes],
        ]

    def chosen(self) -> Programme | None:
        if not self.is_valid() or self.cleaned_data["programme"] is None:
            return None
        return self.programmes[self.cleaned_data["programme"]]


class ApplicationApproveForm(forms.Form):
    amount = HundredthsField(
        label=_("Amount to approve (yuan)"),
        required=False,
        help_text=_("Leave empty to approve the amount asked for; it may be lower, never higher."),
    )
    note = forms.CharField(label=_("Note to the applicant"), required=False, max_length=MAX_NOTE, widget=_text_area())


class ReasonForm(forms.Form):
    """A rejection or cancellation: the service insists on the reason and says so."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=MAX_NOTE, widget=_text_area())


class ClaimApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE, widget=_text_area())


class ClaimDisburseForm(forms.Form):
    transfer_number = forms.CharField(
        label=_("Transfer voucher number"),
        required=False,
        max_length=MAX_TRANSFER_NUMBER,
        help_text=_("The number on the treasury's payment voucher."),
    )
    transferred_on = forms.DateField(label=_("Transferred on"), widget=_date_widget())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("transferred_on", timezone.localdate())
