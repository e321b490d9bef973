from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("industry monitoring")

    def ready(self) -> None:
        # Only beat names these tasks, and Celery's autodiscovery runs once per process: importing
        # them here registers them wherever the app is loaded.
        from django.contrib.auth.signals import user_logged_in

        from monitoring.dashboards.navigation import remember_dashboard_link
        from monitoring.redflags import tasks as redflag_tasks  # noqa: F401
        from monitoring.reports import tasks as reports_tasks  # noqa: F401
        from monitoring.rollups import tasks as rollups_tasks  # noqa: F401

        user_logged_in.connect(remember_dashboard_link, dispatch_uid="monitoring-dashboard-link")
