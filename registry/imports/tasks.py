from celery import shared_task

from portal.errors import NotFound
from registry.imports.services import import_job_run


@shared_task(acks_late=True)
def import_job_run_task(job_id: int) -> str:
    """Run one import job; a duplicate delivery finds it taken and changes nothing."""
    try:
        return import_job_run(job_id=job_id).status
    except NotFound:
        return "missing"  # the job was deleted before its turn came
