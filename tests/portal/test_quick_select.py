"""QuickSelect renders exactly what Django's template-rendered Select does, only faster."""

import pytest
from django import forms
from django.test.html import parse_html

from portal.forms import QuickSelect

CHOICES = [("", "All"), ("四川", [("510000", "四川省 <全省>"), ("510100", "— 成都市")]), ("110000", "北京市")]


def _normalised(html: object):
    """The parsed markup: equal when the HTML is, whatever the attribute order and whitespace."""
    return parse_html(str(html))


@pytest.mark.parametrize("value", ["", "510100", "110000", "not-a-choice"])
def test_quick_select_renders_the_same_markup_as_djangos_select(value):
    class Form(forms.Form):
        field = forms.ChoiceField(choices=CHOICES, required=False)

    class QuickForm(forms.Form):
        field = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)

    assert _normalised(QuickForm({"field": value})["field"]) == _normalised(Form({"field": value})["field"])
    assert "&lt;全省&gt;" in str(QuickForm({"field": value})["field"])
