from django.conf import settings

from portal.celery import app as celery_app


def test_every_scheduled_task_is_a_registered_task():
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks, entry["task"]


def test_tasks_acknowledge_late_so_a_crashed_worker_does_not_lose_them():
    celery_app.loader.import_default_modules()
    for name in (entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()):
        assert celery_app.tasks[name].acks_late is True
