"""Monitoring's models, one module per area."""

from monitoring.models.reports import (
    REPORT_TRANSITIONS,
    AnomalyKind,
    ReportState,
    StatisticalReport,
    StatisticalReportFlag,
    StatisticalReportReminder,
    StatisticalReportVolume,
)

__all__ = [
    "REPORT_TRANSITIONS",
    "AnomalyKind",
    "ReportState",
    "StatisticalReport",
    "StatisticalReportFlag",
    "StatisticalReportReminder",
    "StatisticalReportVolume",
]
