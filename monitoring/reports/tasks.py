from celery import shared_task
from django.utils import timezone

from monitoring.reports.services import statistical_reports_remind


@shared_task(acks_late=True)
def statistical_reports_remind_task() -> int:
    """A few times a day: reminds, once per organisation and quarter, those whose report is due
    soon; a run outside the reminder window does nothing."""
    return statistical_reports_remind(today=timezone.localdate())
