from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from portal.accounts import services
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
