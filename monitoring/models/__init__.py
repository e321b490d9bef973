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
from monitoring.rollups.models import Metric, RollupCube, RollupDelta, RollupFact

__all__ = [
    "REPORT_TRANSITIONS",
    "Alert",
    "AnomalyKind",
    "Metric",
    "ReportState",
    "RollupCube",
    "RollupDelta",
    "RollupFact",
    "StatisticalReport",
    "StatisticalReportFlag",
    "StatisticalReportReminder",
    "StatisticalReportVolume",
]
