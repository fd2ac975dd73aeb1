"""Test helpers for the second factor (imported by tests only).

The test client's force_login() stands for a finished sign-in, second step included: for a
user who has or needs a second factor it marks the session as verified by an authenticator
(made for the purpose when the user has none). Production code never does this; the
middleware checks every session the same way.
"""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.accounts.security import has_second_factor, second_factor_required


def totp_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def verified_device(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def client_login_with_second_factor(original):  # type: ignore[no-untyped-def]
    def _login(self: Client, user, backend=None) -> None:  # type: ignore[no-untyped-def]
        original(self, user, backend)
        if has_second_factor(user) or second_factor_required(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = verified_device(user).persistent_id
            session.save()

    return _login
