from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("industry monitoring")

    def ready(self) -> None:
        # Nothing else imports the red-flag task (only beat names it), and Celery's autodiscovery
        # runs once per process: importing it here registers it wherever the app is loaded.
        from monitoring.redflags import tasks  # noqa: F401
