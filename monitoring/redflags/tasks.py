from celery import shared_task

from monitoring.redflags.services import red_flags_compute


@shared_task(acks_late=True)
def red_flags_compute_task(tender_ids: list[int] | None = None) -> dict[str, int]:
    """Nightly over every tender (or over `tender_ids`); running it twice changes nothing more."""
    return red_flags_compute(tender_ids=tender_ids).as_dict()
