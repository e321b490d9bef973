from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts import views

app_name = "accounts"

FORM = "accounts/password_form.html"
NOTICE = "accounts/notice.html"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-up/", views.sign_up, name="sign-up"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/", views.api_token_regenerate, name="api-token-regenerate"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name=FORM,
            extra_context={"title": _("Change your password")},
            success_url=reverse_lazy("accounts:password-change-done"),
        ),
        name="password-change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name=NOTICE, extra_context={"notice": _("Your password was changed.")}
        ),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name=FORM,
            extra_context={"title": _("Reset your password")},
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name=NOTICE,
            extra_context={
                "notice": _("If an account uses that address, we have sent it instructions to reset the password.")
            },
        ),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=FORM,
            extra_context={"title": _("Choose a new password")},
            success_url=reverse_lazy("accounts:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=NOTICE, extra_context={"notice": _("Your new password is set. You can sign in now.")}
        ),
        name="password-reset-complete",
    ),
]
