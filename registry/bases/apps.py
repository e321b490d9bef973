from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasesConfig(AppConfig):
    name = "registry.bases"
    label = "bases"
    verbose_name = _("annotation bases")
