"""The emulator's in-memory store, with an optional JSON snapshot.

One `Store` instance is shared by the app, the control API and tests (`EmulatorHandle.store`),
so `reset`/`restore` change it in place rather than replacing it. Requests are handled on a
single event loop and never await in the middle of a change, so no lock is needed there;
tests touching the store directly should do so between requests.
"""

from __future__ import annotations

import json
import types
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from xpm_emulator.models import (
    AccessToken,
    AuthCode,
    CallRecord,
    Grant,
    OAuthClient,
    RefreshToken,
    Tenant,
)

T = TypeVar("T")


@dataclass
class Store:
    tenants: list[Tenant] = field(default_factory=list)
    oauth_clients: dict[str, OAuthClient] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)

    def tenant(self, tenant_id: str | None) -> Tenant | None:
        wanted = (tenant_id or "").strip().lower()
        return next((t for t in self.tenants if t.tenant_id.lower() == wanted), None)

    def put_tenant(self, tenant: Tenant) -> None:
        """Add a tenant, replacing one with the same id."""
        self.tenants = [t for t in self.tenants if t.tenant_id != tenant.tenant_id]
        self.tenants.append(tenant)

    def clear(self) -> None:
        """Forget everything."""
        self.restore(Store())

    def restore(self, other: Store) -> None:
        """Take over the contents of `other`, keeping this object's identity."""
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Store:
        return from_dict(cls, data)

    def save(self, path: str | Path) -> None:
        """Write a snapshot atomically (write a sibling file, then rename)."""
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path) -> Store:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def from_dict(cls: type[T], data: Any) -> T:
    """Build dataclass `cls` from JSON data, recursively; missing fields take their defaults.

    Unknown keys are an error, so a typo in a posted seed does not pass silently.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    hints = get_type_hints(cls)
    return cls(**{name: _convert(hints[name], value) for name, value in data.items()})


def _convert(tp: Any, value: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [arg for arg in get_args(tp) if arg is not type(None)]
        return _convert(inner, value)
    if origin is list:
        (item,) = get_args(tp)
        return [_convert(item, v) for v in value]
    if origin is dict:
        _, item = get_args(tp)
        return {k: _convert(item, v) for k, v in value.items()}
    if is_dataclass(tp):
        return from_dict(tp, value)  # type: ignore[arg-type]
    return value
