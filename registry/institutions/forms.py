"""Page forms for institutions and service needs. They only parse; the services hold the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.forms import HundredthsField
from registry.institutions.models import NeedStatus, ServiceCategory, ServiceResponse
from registry.models import Organisation

RegionChoices = list[tuple[str, list[tuple[str, str]]]]


class DirectoryFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *ServiceCategory.choices]
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions")), *region_choices]


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *NeedStatus.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *ServiceCategory.choices]
    )


class OfferForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Institution"), queryset=Organisation.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations


class NeedPostForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Posting organisation"), queryset=Organisation.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    region = forms.ChoiceField(label=_("Region"), help_text=_("Where the service is needed."))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}))
    budget_fen = HundredthsField(label=_("Budget (yuan)"), required=False, help_text=_("Optional."))

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], region_choices: RegionChoices, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "---------"), *region_choices]


class ResponseForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Responding institution"), queryset=Organisation.objects.none())
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    quote_fen = HundredthsField(label=_("Quote (yuan)"), required=False, help_text=_("Optional."))

    def __init__(self, *args: Any, institutions: QuerySet[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class ChooseForm(forms.Form):
    response = forms.ModelChoiceField(label=_("Response"), queryset=ServiceResponse.objects.none())

    def __init__(self, *args: Any, responses: QuerySet[ServiceResponse], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["response"]).queryset = responses
