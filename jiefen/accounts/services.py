"""Writes for the second factor: enrol an authenticator app, check a code, renew recovery
codes, remove the devices. Views and the admin call these; devices are deleted one by one as
model instances so the audit app sees each removal."""

from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.accounts.security import RECOVERY_CODE_COUNT, normalise_code
from jiefen.audit.services import audit_bulk

APP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"


def totp_enrolment_start(*, user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    """The user's unconfirmed authenticator, made once and kept until confirmed, so that
    reloading the enrolment page does not change the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]] | None:  # type: ignore[no-untyped-def]
    """Confirm the pending authenticator with a code from it; on success replace any earlier
    devices and hand out fresh recovery codes (returned once, stored only in the device)."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("id")
        .first()
    )
    if device is None or not device.verify_token(normalise_code(code)):
        return None
    for old in TOTPDevice.objects.filter(user=user, confirmed=True):
        old.delete()
    device.confirmed = True
    device.save()
    return device, _recovery_codes_issue(user)


def _recovery_codes_issue(user) -> list[str]:  # type: ignore[no-untyped-def]
    for old in StaticDevice.objects.filter(user=user):
        old.delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    made = StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    audit_bulk(model=StaticToken, action="create", pks=[t.pk for t in made], fields=["device"])
    return codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:  # type: ignore[no-untyped-def]
    return _recovery_codes_issue(user)


def code_check(*, user, code: str) -> Device | None:  # type: ignore[no-untyped-def]
    """The device that accepts `code`: the authenticator's six digits or one recovery code
    (used up by this). Each device counts its failures and slows down guessing."""
    code = normalise_code(code)
    if not code:
        return None
    with transaction.atomic():
        kinds = (TOTPDevice, StaticDevice) if code.isdigit() else (StaticDevice,)
        for model in kinds:
            for device in model.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return device
    return None


def code_check_allowed(*, user) -> bool:  # type: ignore[no-untyped-def]
    """False while a device of the user is in its throttling pause after wrong codes."""
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                return False
    return True


@transaction.atomic
def second_factor_remove(*, user) -> int:  # type: ignore[no-untyped-def]
    """Remove every device of the user (instance by instance, for the audit trail)."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user):
            device.delete()
            removed += 1
    return removed
