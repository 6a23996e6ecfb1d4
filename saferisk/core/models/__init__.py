"""Models of the core app, split by sub-domain."""

from saferisk.core.models.audit import AuditEvent
from saferisk.core.models.notifications import Notification
from saferisk.core.models.reference import (
    AccidentType,
    Department,
    HazardFactor,
    Industry,
    KeySector,
    Region,
)
from saferisk.core.models.users import ApiToken, User

__all__ = [
    "AccidentType",
    "ApiToken",
    "AuditEvent",
    "Department",
    "HazardFactor",
    "Industry",
    "KeySector",
    "Notification",
    "Region",
    "User",
]
