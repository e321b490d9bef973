from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.roles import OrganisationKind, Role, role_allowed


class OrganisationRegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=64,
        help_text=_("18 characters, as printed on the business licence."),
    )
    region = forms.ChoiceField(label=_("Region"))

    def __init__(self, *args: object, region_choices: list[tuple[str, list[tuple[str, str]]]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "---------"), *region_choices]


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices])
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: object, region_choices: list[tuple[str, list[tuple[str, str]]]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions")), *region_choices]


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
        region_choices: list[tuple[str, list[tuple[str, str]]]],
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        roles = [(role.value, role.label) for role in Role if role_allowed(role, kind)]
        cast(forms.ChoiceField, self.fields["role"]).choices = roles
        cast(forms.ChoiceField, self.fields["scope_region"]).choices = [("", _("Nationwide")), *region_choices]
