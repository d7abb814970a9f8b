"""Everything practicelink stores about XPM, by concern."""

from .connection import ConflictPolicy, ConnectionStatus, SyncSettings, XpmConnection
from .runs import EventOutcome, SyncEvent, SyncRun, SyncStatus, SyncTrigger
from .staff import LinkChange, LinkMethod, Staff, StaffCreation, StaffLink

__all__ = [
    "ConflictPolicy",
    "ConnectionStatus",
    "EventOutcome",
    "LinkChange",
    "LinkMethod",
    "Staff",
    "StaffCreation",
    "StaffLink",
    "SyncEvent",
    "SyncRun",
    "SyncSettings",
    "SyncStatus",
    "SyncTrigger",
    "XpmConnection",
]
