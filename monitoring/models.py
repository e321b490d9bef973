"""The monitoring app's models, one module per area."""

from monitoring.redflags.models import Alert

__all__ = ["Alert"]
