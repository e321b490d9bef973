"""Forms of the providers' voucher pages (ask a holder to redeem, filter the redemptions received)
and of settlement claims. Amounts are typed in yuan and cleaned to fen
(`portal.forms.HundredthsField`); the services check every rule again."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.models import Contract
from portal.forms import HundredthsField
from portal.money import format_fen
from vouchers.models import ClaimState, ExternalOrder, RedemptionState

NOTE_MAX_LENGTH = 5_000


def _contract_label(contract: Contract) -> str:
    return str(
        _("%(reference)s · %(title)s · %(buyer)s · ¥%(value)s")
        % {
            "reference": contract.reference or contract.pk,
            "title": contract.title,
            "buyer": contract.buyer.name,
            "value": format_fen(contract.value_fen),
        }
    )


class ProviderRedeemForm(forms.Form):
    """A provider asks the holder to redeem a voucher against one of the provider's active
    exchange contracts or an external order placed with it (by its number).

    `key` is an idempotency key made when the page is first shown and carried through every
    re-display, so that the same form sent twice makes one request."""

    code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        help_text=_("The code the holder gave you (printed or by QR code); case and dashes do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contract = forms.TypedChoiceField(label=_("Exchange contract"), coerce=int, required=False, empty_value=None)
    order = forms.IntegerField(
        label=_("Or external order number"),
        required=False,
        min_value=1,
        help_text=_("The number of an order the holder recorded with your organisation as the provider."),
    )
    amount = HundredthsField(label=_("Amount (yuan)"))
    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, contracts: list[Contract], orders: QuerySet[ExternalOrder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders = orders
        choices = [(c.pk, _contract_label(c)) for c in contracts]
        cast(forms.ChoiceField, self.fields["contract"]).choices = [("", _("None: an external order")), *choices]

    def clean_order(self) -> int | None:
        order = self.cleaned_data.get("order")
        # An order of another provider and a missing one read the same.
        if order is not None and not self.orders.filter(pk=order).exists():
            raise forms.ValidationError(_("No order with this number was placed with your organisation."))
        return order

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A hidden field's error would show nowhere: it goes to the whole form instead.
        if self.errors.pop("key", None):
            self.add_error(None, _("This form has expired: reload the page and try again."))
        has_contract = cleaned.get("contract") is not None
        has_order = cleaned.get("order") is not None
        if self.has_error("contract") or self.has_error("order"):
            return cleaned
        if not has_contract and not has_order:
            self.add_error("contract", _("Choose a contract or give an order number."))
        elif has_contract and has_order:
            self.add_error("order", _("Give a contract or an order number, not both."))
        return cleaned

    def target(self) -> tuple[int | None, int | None]:
        """(contract id, order id), one of them None, as `services.voucher_redeem` takes them."""
        return self.cleaned_data["contract"], self.cleaned_data["order"]


class RedemptionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *RedemptionState.choices]
    )


class ClaimFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *ClaimState.choices])


class ClaimForm(forms.Form):
    """A settlement claim (兑付申请): the evidence that the contract or order is fully paid."""

    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_(
            "Proof that the contract or order is fully paid (invoices, payment records), as one PDF, OFD, "
            "JPEG, PNG or ZIP file."
        ),
    )
    note = forms.CharField(
        label=_("Note to the reviewers"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
