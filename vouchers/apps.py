from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "vouchers"
    verbose_name = _("vouchers")

    def ready(self) -> None:
        # Nothing else imports the expiry task (only beat names it), and Celery's autodiscovery
        # runs once per process: importing it here registers it wherever the app is loaded.
        from vouchers import tasks  # noqa: F401
