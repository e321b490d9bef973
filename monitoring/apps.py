from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("industry monitoring")

    def ready(self) -> None:
        # Statistical reports: only beat names the reminder task, so importing it here registers it.
        from monitoring.reports import tasks as reports_tasks  # noqa: F401
