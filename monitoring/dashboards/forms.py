"""The dashboard pages' filter forms. They offer what `filters.dashboard_filters` and
`filters.public_filters` accept and show a bad value as a form error; the API the pages fetch
checks the same values again (and the scope), so the forms decide nothing on their own.

Decisions:
- Periods offered: every year from `MONITORING_BASE_YEAR` to this year, each followed by its
  quarters up to the current one, newest first, after "all" (since the base year), the default.
- Regions offered: the provinces and prefectures of the user's scope (counties would make the list
  several thousand long; a county is still reachable through the API). A region outside the scope
  is refused like an unknown code, "not one of the available choices": the page tells nothing of
  other regions.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring import growth
from portal.forms import QuickSelect
from registry.forms import RegionChoices
from registry.taxonomy import Modality, Sector

PeriodChoices = list[tuple[str, Any]]


def period_choices(*, today: datetime.date) -> PeriodChoices:
    """The periods offered: "all", then per year (newest first) the year and its quarters so far."""
    base = growth.base_year()
    choices: PeriodChoices = [("all", _("All, since %(year)s") % {"year": base})]
    for year in range(today.year, base - 1, -1):
        last_quarter = (today.month - 1) // 3 + 1 if year == today.year else 4
        options = [(str(year), _("Year %(year)s") % {"year": year})]
        options += [(f"{year}Q{quarter}", f"{year} Q{quarter}") for quarter in range(1, last_quarter + 1)]
        choices.append((str(year), options))
    return choices


class PublicFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["period"]).choices = period_choices(today=today)

    def query(self) -> dict[str, str]:
        """The valid filters as query-string parameters, empty ones left out."""
        return {name: value for name, value in self.cleaned_data.items() if value}


class DashboardFilterForm(PublicFilterForm):
    region = forms.ChoiceField(label=_("Region"), required=False, widget=QuickSelect)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    modality = forms.ChoiceField(label=_("Modality"), required=False)

    def __init__(self, *args: Any, today: datetime.date, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, today=today, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("All regions in my scope")), *region_choices]
        cast(forms.ChoiceField, self.fields["sector"]).choices = [("", _("All sectors")), *Sector.choices]
        cast(forms.ChoiceField, self.fields["modality"]).choices = [("", _("All modalities")), *Modality.choices]
