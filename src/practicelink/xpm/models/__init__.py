"""Everything practicelink stores about XPM, by concern."""

from .catalogue import CatalogueItem, CatalogueKind
from .clients import (
    ClientConflict,
    ClientCreation,
    ClientCursor,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    ClientMirror,
    ConflictStatus,
    MatchSide,
    ReviewStatus,
)
from .connection import (
    TENANT_HOLDING_STATUSES,
    ConflictPolicy,
    ConnectionStatus,
    SyncSettings,
    XpmConnection,
)
from .deployments import Deployment, DeploymentAttempt, DeploymentStatus
from .health import Completeness, HealthSnapshot
from .runs import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    EventOutcome,
    StepOutcome,
    SubjectKind,
    SyncEvent,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from .scheduling import DispatcherLease
from .staff import CreationState, LinkChange, LinkMethod, Staff, StaffCreation, StaffLink

__all__ = [
    "ACTIVE_STATUSES",
    "FINISHED_STATUSES",
    "TENANT_HOLDING_STATUSES",
    "CatalogueItem",
    "CatalogueKind",
    "ClientConflict",
    "ClientCreation",
    "ClientCursor",
    "ClientLink",
    "ClientLinkMethod",
    "ClientMatch",
    "ClientMirror",
    "Completeness",
    "ConflictPolicy",
    "ConflictStatus",
    "ConnectionStatus",
    "CreationState",
    "Deployment",
    "DeploymentAttempt",
    "DeploymentStatus",
    "DispatcherLease",
    "EventOutcome",
    "HealthSnapshot",
    "LinkChange",
    "LinkMethod",
    "MatchSide",
    "ReviewStatus",
    "Staff",
    "StaffCreation",
    "StaffLink",
    "StepOutcome",
    "SubjectKind",
    "SyncEvent",
    "SyncRun",
    "SyncSettings",
    "SyncStatus",
    "SyncTrigger",
    "XpmConnection",
]
