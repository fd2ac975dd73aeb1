import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.accounts import services
from jiefen.accounts.testing import totp_now
from jiefen.org.models import Role

PASSWORD = "correct horse 9"


@pytest.fixture
def leader(world):
    """A leader who owns major cases (包案领导): must use a second factor."""
    return world.person("leader_zhuji", "吴建华", "诸暨市", Role.LEADER)


def enrolled(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    """Give `user` a confirmed authenticator (and recovery codes) the way the enrolment page
    does; returns the device, with the codes in `device.recovery_codes`."""
    device = services.totp_enrolment_start(user=user)
    result = services.totp_enrolment_confirm(user=user, code=totp_now(device))
    assert result is not None
    device, codes = result
    # Enrolled earlier: the code just used (refused again, against replay) lies in the past.
    device.last_t = -1
    device.save()
    device.recovery_codes = codes
    return device


def password_step(client, username: str, password: str = PASSWORD, next_url: str = "/"):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password, "next": next_url})
