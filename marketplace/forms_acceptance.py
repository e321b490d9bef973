"""Page forms of delivery acceptance. They parse what is typed and uploaded; the rules (valid
formats per type, the label set, sizes, who may do what) live in marketplace.services.acceptance,
whose errors the views put back on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import AcceptanceKind, Decision, DeliveryFormat
from marketplace.services.acceptance import MAX_LABELS, MAX_LOT_SIZE


def formats_by_kind(formats: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(type label, [format labels]) for each annotation type: the help under the format select."""
    return [
        (str(AcceptanceKind(kind).label), [str(DeliveryFormat(fmt).label) for fmt in formats.get(kind, ())])
        for kind in AcceptanceKind.values
    ]


class AcceptancePlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Annotation type"), choices=AcceptanceKind.choices)
    format = forms.ChoiceField(label=_("File format"), choices=DeliveryFormat.choices)
    label_set = forms.CharField(
        label=_("Label set"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    lot_size = forms.IntegerField(
        label=_("Lot size (items)"),
        min_value=1,
        max_value=MAX_LOT_SIZE,
        help_text=_("How many items the milestone delivers: it sets the sample size (GB/T 2828.1, level II)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label_set"].help_text = _(
            "One label per line, spelt as the files spell them; at most %(n)s labels."
        ) % {"n": MAX_LABELS}

    def labels(self) -> list[str]:
        """The label set as typed, one per line (blank lines dropped; the service checks the rest)."""
        return [line.strip() for line in self.cleaned_data["label_set"].splitlines() if line.strip()]


class _UploadForm(forms.Form):
    """An upload behind `portal.uploads.SizeLimitedUploadHandler`: when the handler dropped the file
    for its size, the form says so instead of "This field is required"."""

    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, too_large_message: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large_message = too_large_message
        if too_large_message:
            self.fields["file"].required = False

    def clean_file(self) -> Any:
        if self.too_large_message:
            raise forms.ValidationError(self.too_large_message)
        return self.cleaned_data["file"]


class GoldSetForm(_UploadForm):
    pass


class DeliveryUploadForm(_UploadForm):
    note = forms.CharField(
        label=_("Note for the buyer"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeliveryDecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for deciding otherwise than the sampling's result"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the decision differs from the sampling's result; it is shown to both parties."),
    )
