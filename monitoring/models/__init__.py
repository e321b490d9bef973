"""Monitoring's models, one module per area (red-flag alerts live with their package)."""

from monitoring.models.reports import (
    REPORT_TRANSITIONS,
    AnomalyKind,
    ReportState,
    StatisticalReport,
    StatisticalReportFlag,
    StatisticalReportReminder,
    StatisticalReportVolume,
)
from monitoring.redflags.models import Alert

__all__ = [
    "REPORT_TRANSITIONS",
    "Alert",
    "AnomalyKind",
    "ReportState",
    "StatisticalReport",
    "StatisticalReportFlag",
    "StatisticalReportReminder",
    "StatisticalReportVolume",
]
