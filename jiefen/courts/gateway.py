"""The court interface: how an assembled application reaches the court.

A gateway is any object with `submit(bundle) -> Receipt` (CourtGateway). settings.
JIEFEN_COURT_GATEWAY names its class by dotted path; the default, FolderGateway, writes the
bundle, the signed agreement as its own file and a JSON manifest into a folder of its own under
settings.JIEFEN_COURT_OUTBOX (default VAR_DIR/court-outbox/), which the court's clerk collects
(a share the court reads, or a courier's medium). A court with an online service gets a gateway
class of its own with the same method; nothing else changes.

The folder is the hand-over to the court and holds the parties' full identity numbers and
documents in the clear, as the court needs them: it is written with owner-only permissions and
must be a place only the court's clerk can read.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "jiefen.courts.gateway.FolderGateway"


@dataclass(frozen=True)
class Bundle:
    """What is sent: files by name (the bundle PDF first) and a manifest describing them."""

    number: str
    court: str
    files: dict[str, bytes]
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """The court interface's answer: a reference to quote and where the bundle went."""

    reference: str
    where: str
    at: datetime

    def as_json(self) -> dict[str, str]:
        return {"reference": self.reference, "where": self.where, "at": self.at.isoformat()}


class CourtGateway(Protocol):
    def submit(self, bundle: Bundle) -> Receipt: ...


def outbox() -> Path:
    return Path(getattr(settings, "JIEFEN_COURT_OUTBOX", Path(settings.VAR_DIR) / "court-outbox"))


class FolderGateway:
    """Writes each application into a new folder of the outbox, manifest last: a folder with
    a manifest.json is complete and may be collected."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else outbox()

    def submit(self, bundle: Bundle) -> Receipt:
        at = timezone.now()
        reference = f"{bundle.number}-{timezone.localtime(at):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = self.root / reference
        folder.mkdir(mode=0o700)
        for name, data in bundle.files.items():
            path = folder / Path(name).name
            path.write_bytes(data)
            path.chmod(0o600)
        manifest = dict(bundle.manifest) | {
            "reference": reference,
            "court": bundle.court,
            "number": bundle.number,
            "written_at": at.isoformat(),
            "files": sorted(bundle.files),
        }
        path = folder / "manifest.json"
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        path.chmod(0o600)
        return Receipt(reference=reference, where=str(folder), at=at)


def gateway() -> CourtGateway:
    """The configured gateway (settings.JIEFEN_COURT_GATEWAY, a dotted path to its class)."""
    cls = import_string(getattr(settings, "JIEFEN_COURT_GATEWAY", DEFAULT_GATEWAY))
    return cls()


def gateway_name() -> str:
    return str(getattr(settings, "JIEFEN_COURT_GATEWAY", DEFAULT_GATEWAY))
