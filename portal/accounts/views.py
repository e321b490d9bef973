from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from portal.accounts import services
from portal.accounts.forms import SignUpForm
from portal.forms import add_service_errors
from portal.permissions import signed_in
from registry.selectors import memberships_of


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    has_token = Token.objects.filter(user=signed_in(request.user)).exists()
    memberships = memberships_of(user=request.user)
    return render(request, "accounts/profile.html", {"has_token": has_token, "memberships": memberships})


@login_required
@require_POST
def api_token_regenerate(request: HttpRequest) -> HttpResponse:
    token = services.api_token_regenerate(user=signed_in(request.user))
    # Shown once: the key is not displayed again after this response.
    messages.success(request, _("Your new API token: %(key)s") % {"key": token.key})
    return redirect("accounts:profile")


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome. Register your organisation, or ask its staff to add you."))
            return redirect("accounts:profile")
    return render(request, "accounts/sign_up.html", {"form": form}, status=400 if form.errors else 200)
