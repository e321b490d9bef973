"""Forms of the alert pages: the list's filters and the regulator's note. The services check the
note (required to dismiss); the forms only carry it."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.services._common import MAX_TEXT
from monitoring.redflags.models import AlertState, RedFlag
from monitoring.redflags.selectors import AlertFilters
from registry.models import Region
from registry.selectors import regions_for_choice


class AlertFilterForm(forms.Form):
    flag = forms.ChoiceField(label=_("Red flag"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False, help_text=_("Includes its sub-regions."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["flag"]).choices = [("", _("All red flags")), *RedFlag.choices]
        cast(forms.ChoiceField, self.fields["state"]).choices = [("", _("All states")), *AlertState.choices]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions")), *regions_for_choice()]

    def filters(self) -> AlertFilters:
        if not self.is_bound or not self.is_valid():
            return AlertFilters()
        code = self.cleaned_data["region"]
        return AlertFilters(
            flag=self.cleaned_data["flag"],
            state=self.cleaned_data["state"],
            region=Region.objects.filter(pk=code).first() if code else None,
        )


class AlertNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
