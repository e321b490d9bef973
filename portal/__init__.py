"""The Django project package and the site shell (home, health, language, accounts, audit log)."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
