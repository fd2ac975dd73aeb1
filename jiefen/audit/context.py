"""Who is acting, and from where: a context variable the middleware sets for each request and
the task signals set for each background task. Outside both (a management command, a shell)
the actor is the system, named after the command the process runs."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Actor:
    kind: str  # ActorKind
    user_id: int | None = None
    system: str = ""
    ip: str = ""


def _process_name() -> str:
    """`jiefen sweep`, `python -m jiefen deadlines`, `manage.py prune` → the command's name."""
    argv = sys.argv or [""]
    program = Path(argv[0]).name
    if program in {"jiefen", "manage.py", "django-admin", "__main__.py"} and len(argv) > 1:
        return argv[1][:100]
    return program[:100] or "python"


PROCESS = _process_name()

# A request (resolved lazily: request.user is read only when something is recorded, so a read
# costs nothing) or a fixed Actor (a task, a test).
_current: ContextVar[Any] = ContextVar("jiefen_audit_actor", default=None)


def client_ip(request: Any) -> str:
    """The client's address: REMOTE_ADDR, unless the settings say a proxy of ours stands in
    front. JIEFEN_TRUSTED_PROXIES = n: the address the outermost of our n proxies saw, taken
    from the right of X-Forwarded-For (entries further left are whatever the client chose to
    send). Otherwise RATELIMIT_IP_META_KEY (e.g. HTTP_X_REAL_IP), the header the rate limits
    trust, its last entry."""
    meta = request.META
    address = meta.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "JIEFEN_TRUSTED_PROXIES", 0) or 0)
    header = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    if proxies > 0:
        hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    elif header and meta.get(header):
        address = meta[header].split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def current() -> Actor:
    value = _current.get()
    if isinstance(value, Actor):
        return value
    if value is not None:  # a request
        user = getattr(value, "user", None)
        ip = client_ip(value)
        if user is not None and getattr(user, "is_authenticated", False):
            return Actor(kind="user", user_id=user.pk, ip=ip)
        return Actor(kind="public", ip=ip)
    return Actor(kind="system", system=PROCESS)


def set_request(request: Any) -> Any:
    return _current.set(request)


def reset(token: Any) -> None:
    _current.reset(token)


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    """Record writes inside the block as `actor` (tasks, tests)."""
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)
