"""Liveness of what the portal depends on: the database and the Celery broker."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from kombu import Connection


def database_status() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not answering"; the reason is reported
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def broker_status(*, timeout: float = 1.0) -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    broker = Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout)
    try:
        broker.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # unreachable, refused, bad credentials: all "not answering"
        return {"ok": False, "transport": broker.transport_cls, "error": exc.__class__.__name__}
    finally:
        broker.release()
    return {"ok": True, "transport": broker.transport_cls}
