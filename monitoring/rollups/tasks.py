from celery import shared_task

from monitoring.rollups.services import rollups_fold, rollups_nightly


@shared_task(acks_late=True)
def rollups_fold_task() -> int:
    """Every minute: folds the pending deltas into the facts (safe twice, and two at once)."""
    return rollups_fold()


@shared_task(acks_late=True)
def rollups_nightly_task() -> int:
    """Nightly: verifies (differences logged), then rebuilds the facts from the source tables."""
    return len(rollups_nightly())
