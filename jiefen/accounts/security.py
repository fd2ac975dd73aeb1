"""Who needs a second factor, and the small pieces the sign-in flow shares.

Administrators (superusers, staff with admin access, Role.ADMIN holders) and leaders
(Role.LEADER, 包案领导: they own the major cases and issue supervision orders) must sign in
with a second factor. Everybody else may choose to.
"""

from django.conf import settings
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.org.models import Role
from jiefen.org.scope import memberships

ROLES_NEEDING_SECOND_FACTOR = (Role.ADMIN, Role.LEADER)
RECOVERY_CODE_COUNT = 10


def second_factor_required(user) -> bool:  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    # Closed bodies too: a leader's seat keeps its second factor while the body is reorganised.
    return any(seat.role in ROLES_NEEDING_SECOND_FACTOR for seat in memberships(user))


def confirmed_totp(user):  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_second_factor(user) -> bool:  # type: ignore[no-untyped-def]
    """A confirmed authenticator app. Recovery codes alone do not count: they come with one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_device(user) -> StaticDevice | None:  # type: ignore[no-untyped-def]
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, from the same header the rate limits trust behind a proxy."""
    key = settings.RATELIMIT_IP_META_KEY
    if key:
        value = request.META.get(key, "")
        if value:
            return value.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()
