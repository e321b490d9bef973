"""Forms of the public voucher pages (the programme filters) and of the holders' pages: apply,
redeem, record an external order. Amounts are typed in yuan and cleaned to fen
(`portal.forms.HundredthsField`); the services check every rule again."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.models import Contract
from portal.forms import HundredthsField, QuickSelect
from portal.money import format_fen
from registry.models import Organisation
from vouchers.models import ExternalOrder, ProgrammeKind
from vouchers.selectors import PUBLIC_STATES

RegionChoices = list[tuple[str, list[tuple[str, str]]]]
CONTRACT = "contract"
ORDER = "order"


def _organisation_choice(label: Any, organisations: list[Organisation]) -> forms.TypedChoiceField:
    """A choice among the user's organisations (the first one picked when there is only one)."""
    initial = organisations[0].pk if len(organisations) == 1 else None
    return forms.TypedChoiceField(
        label=label, coerce=int, choices=[(o.pk, o.name) for o in organisations], initial=initial
    )


def chosen(form: forms.BaseForm, name: str, organisations: list[Organisation]) -> Organisation:
    """The organisation picked in a field made by `_organisation_choice`."""
    return next(o for o in organisations if o.pk == form.cleaned_data[name])


class ProgrammeFilterForm(forms.Form):
    """The filters of the public list of programmes."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ProgrammeKind.choices], widget=QuickSelect
    )
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        help_text=_("The voucher authority's region, sub-regions included."),
        widget=QuickSelect,
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *[(state.value, state.label) for state in PUBLIC_STATES]],
        widget=QuickSelect,
    )

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions")), *region_choices]

    def filters(self) -> dict[str, str]:
        """The valid form as `selectors.programmes_public`'s arguments (none when unbound)."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            "kind": data.get("kind", ""),
            "region_code": data.get("region", ""),
            "state": data.get("state", ""),
        }


class ApplicationForm(forms.Form):
    """An application (申领) for a voucher: who applies, how much, for what, with evidence."""

    amount = HundredthsField(label=_("Amount requested (yuan)"))
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("What the voucher will pay for: the service, the provider, the contract or order."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_("The programme's required documents, as one PDF, OFD, JPEG, PNG or ZIP file."),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.fields["organisation"] = _organisation_choice(_("Applicant"), organisations)
        self.order_fields(["organisation", "amount", "purpose", "evidence"])

    def applicant(self) -> Organisation:
        return chosen(self, "organisation", self.organisations)


def _contract_label(contract: Contract) -> str:
    return str(
        _("%(reference)s · %(title)s · %(supplier)s · ¥%(value)s")
        % {
            "reference": contract.reference or contract.pk,
            "title": contract.title,
            "supplier": contract.supplier.name,
            "value": format_fen(contract.value_fen),
        }
    )


def _order_label(order: ExternalOrder) -> str:
    return str(
        _("%(date)s · %(description)s · %(provider)s · ¥%(value)s")
        % {
            "date": order.ordered_on.isoformat(),
            "description": order.description,
            "provider": order.provider.name,
            "value": format_fen(order.value_fen),
        }
    )


class RedeemForm(forms.Form):
    """Redeem a voucher against one of the holder's active exchange contracts or recorded orders.

    `key` is an idempotency key made when the page is first shown and carried through every
    re-display, so that the same form submitted twice redeems once."""

    code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        help_text=_("As printed, for example ABCD-EFGH-JKMN-PQRS-TVWX; case and dashes do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    target = forms.ChoiceField(label=_("Pay for"))
    amount = HundredthsField(label=_("Amount (yuan)"))
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, contracts: list[Contract], orders: list[ExternalOrder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: list[tuple[Any, Any]] = [("", _("Choose a contract or an order"))]
        if contracts:
            groups.append((_("Exchange contracts"), [(f"{CONTRACT}-{c.pk}", _contract_label(c)) for c in contracts]))
        if orders:
            groups.append((_("External orders"), [(f"{ORDER}-{o.pk}", _order_label(o)) for o in orders]))
        cast(forms.ChoiceField, self.fields["target"]).choices = groups

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if not key.isascii() or not key.isprintable():
            raise forms.ValidationError(_("Reload the page and try again."))
        return key

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A hidden field's error would show nowhere: it goes to the whole form instead.
        if self.errors.pop("key", None):
            self.add_error(None, _("This form has expired: reload the page and try again."))
        return cleaned

    def target_ids(self) -> tuple[int | None, int | None]:
        """The chosen target as `(contract_id, order_id)`, one of them None."""
        kind, _dash, pk = self.cleaned_data["target"].partition("-")
        return (int(pk), None) if kind == CONTRACT else (None, int(pk))


class ExternalOrderForm(forms.Form):
    """An order placed outside the exchange, recorded so that a voucher can pay part of it."""

    provider_credit_code = forms.CharField(
        label=_("Provider's unified social credit code"),
        max_length=18,
        help_text=_("The provider must be registered on the portal."),
    )
    description = forms.CharField(label=_("What was ordered"), max_length=200)
    value = HundredthsField(label=_("Order value (yuan)"))
    ordered_on = forms.DateField(
        label=_("Order date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"ordered_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.fields["holder"] = _organisation_choice(_("Ordered by"), organisations)
        self.order_fields(["holder", "provider_credit_code", "description", "value", "ordered_on"])

    def holder(self) -> Organisation:
        return chosen(self, "holder", self.organisations)
