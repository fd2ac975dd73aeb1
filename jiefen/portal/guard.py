"""Defences of the public doors: a small arithmetic challenge, rate limits on filings and on
guessed query codes (shared with Open311), and the signed cookie that remembers which dispute
a party just opened.

The challenge is signed with the site's key (django.core.signing) and carries a timestamp and a
random nonce; a nonce is spent on its first use, right or wrong. Spent nonces and rate-limit
counters live in Django's default cache, which must be shared by all worker processes in
production (a per-process LocMemCache lets each worker count on its own).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

CHALLENGE_SALT = "jiefen.portal.challenge"
CHALLENGE_MAX_AGE = 30 * 60

FOLLOW_COOKIE = "jiefen_follow"
FOLLOW_SALT = "jiefen.portal.follow"
FOLLOW_MAX_AGE = 30 * 60

# Successful filings, counted per browser and per address so that a family on one phone
# line or a village's shared terminal is not shut out by its neighbours: a browser files up to
# FILE_RATE an hour, an address (every browser behind it) up to ADDRESS_FILE_RATE, and an
# address of a staff-operated reception terminal (settings.JIEFEN_RECEPTION_TERMINALS) up to
# RECEPTION_FILE_RATE, whatever the browser. A request with no browser cookie counts as the
# address alone, at FILE_RATE. Following, rating and asking about one's own case never count.
FILE_RATE = "5/h"
ADDRESS_FILE_RATE = "30/h"
RECEPTION_FILE_RATE = "300/h"

# Wrong query codes, counted in the same counters by the portal and Open311's status queries,
# and keyed by the guesser, never by the dispute alone (which would let a stranger lock a party
# out): per address, and per browser where there is one (several phones behind one address).
# Per dispute number there is only a ceiling that slows guessing: past it, every address gets
# at most NUMBER_TIGHT_RATE wrong codes for that number, so a party arriving from anywhere with
# the right code still gets in while a guesser needs a fresh address for every second try.
FOLLOW_RATE = "10/10m"  # per browser, or per address where there is no browser (Open311)
ADDRESS_RATE = "30/10m"  # per address, whatever the browsers behind it
NUMBER_CEILING = "20/h"  # per dispute number, from everyone
NUMBER_TIGHT_RATE = "2/h"  # per address and number once the number is past its ceiling

# --- challenge ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    a: int
    b: int
    token: str


def challenge_new() -> Challenge:
    a = 10 + secrets.randbelow(40)
    b = 1 + secrets.randbelow(9)
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=CHALLENGE_SALT)
    return Challenge(a=a, b=b, token=token)


class ChallengeFailed(Exception):
    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "wrong")
        self.expired = expired


def challenge_check(token: str, answer: Any) -> None:
    """Pass, or raise ChallengeFailed. The token is spent either way."""
    try:
        payload = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.SignatureExpired:
        raise ChallengeFailed(expired=True) from None
    except signing.BadSignature:
        raise ChallengeFailed() from None
    if not isinstance(payload, dict) or not {"a", "b", "n"} <= payload.keys():
        raise ChallengeFailed()
    # cache.add is atomic: of two requests with the same token, one wins.
    if not cache.add(f"jiefen:challenge:{payload['n']}", 1, CHALLENGE_MAX_AGE + 60):
        raise ChallengeFailed()
    try:
        ok = int(str(answer).strip()) == int(payload["a"]) + int(payload["b"])
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ChallengeFailed()


def challenge_nonce(token: str) -> str | None:
    """The nonce of a challenge token with a valid signature, unexpired, spent or not."""
    try:
        payload = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        return None
    nonce = payload.get("n") if isinstance(payload, dict) else None
    return nonce if isinstance(nonce, str) and nonce else None


# --- a filing sent twice ------------------------------------------------------------------------
#
# The filing form's challenge is its one-time token. The dispute a challenge filed is remembered
# (its id, in the cache, for as long as the challenge lives), and its query code is derived from
# the challenge with the site's key, so it is stored nowhere and yet the same form sent again —
# a double tap, the back button, the busy page's retry — shows the same dispute and code instead
# of an error, and never files a second dispute.

FILED_WAIT = 10.0  # seconds a second submission waits for the first one to finish
FILED_POLL = 0.25

# The back button can also make the browser fetch the form anew, with a new challenge. So the
# browser that filed keeps, in a signed cookie, the challenge it filed with and a digest of what
# it filed; the same filing sent from that browser with another challenge, while the first
# challenge's dispute is still remembered, shows that dispute too. The cookie holds no text of
# the filing, and two people filing the same words from two browsers file two disputes.
FILED_COOKIE = "jiefen_filed"
FILED_SALT = "jiefen.portal.filed"


def filing_digest(data: dict[str, Any]) -> str:
    """A digest of what a filing says (not of its challenge or answer)."""
    parts = [
        str(getattr(data.get(name), "pk", data.get(name)) or "")
        for name in (
            "category",
            "region",
            "occurred_on",
            "title",
            "description",
            "other_name",
            "contact_name",
            "contact_phone",
        )
    ]
    return salted_hmac(FILED_SALT, "\x1f".join(parts), algorithm="sha256").hexdigest()


def filed_cookie_set(response: HttpResponse, nonce: str, data: dict[str, Any]) -> None:
    value = signing.dumps({"n": nonce, "d": filing_digest(data)}, salt=FILED_SALT)
    response.set_cookie(
        FILED_COOKIE,
        value,
        max_age=CHALLENGE_MAX_AGE,
        path="/public/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def filed_earlier(request: HttpRequest, data: dict[str, Any]) -> tuple[int, str] | None:
    """(dispute id, challenge nonce) of the same filing sent earlier from this browser."""
    try:
        value = signing.loads(
            request.COOKIES.get(FILED_COOKIE, ""), salt=FILED_SALT, max_age=CHALLENGE_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("d") != filing_digest(data):
        return None
    nonce = str(value.get("n", ""))
    dispute_id = filed_with(nonce)
    return (dispute_id, nonce) if dispute_id is not None else None


def filing_code(nonce: str) -> str:
    from jiefen.disputes.public import QUERY_ALPHABET, QUERY_LENGTH

    number = int(
        salted_hmac("jiefen.portal.filing-code", nonce, algorithm="sha256").hexdigest(), 16
    )
    letters = []
    for _i in range(QUERY_LENGTH):
        number, index = divmod(number, len(QUERY_ALPHABET))
        letters.append(QUERY_ALPHABET[index])
    return "".join(letters)


def filed_remember(nonce: str, dispute_id: int) -> None:
    cache.set(f"jiefen:filed:{nonce}", dispute_id, CHALLENGE_MAX_AGE + 60)


def filed_with(nonce: str | None, wait: float = 0.0) -> int | None:
    """The dispute filed with this challenge, waiting up to `wait` seconds for a submission
    still under way."""
    if not nonce:
        return None
    deadline = time.monotonic() + wait
    while True:
        found = cache.get(f"jiefen:filed:{nonce}")
        if found is not None or time.monotonic() >= deadline:
            return int(found) if found is not None else None
        time.sleep(FILED_POLL)


# --- rate limits --------------------------------------------------------------------------------


def _used_up(request: HttpRequest, group: str, key: Any, rate: str, increment: bool) -> bool:
    usage = get_usage(request, group=group, key=key, rate=rate, increment=increment)
    if usage is None:  # rate limiting switched off (RATELIMIT_ENABLE = False)
        return False
    if usage["limit"] == 0:  # the cache failed: refuse rather than let everything through
        return True
    return usage["count"] >= usage["limit"]


def reception_terminal(request: HttpRequest) -> bool:
    """Whether the request comes from a staff-operated reception terminal."""
    address = _address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for net in getattr(settings, "JIEFEN_RECEPTION_TERMINALS", []):
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            log.warning("JIEFEN_RECEPTION_TERMINALS: %r is not a network", net)
    return False


def _filing_counters(request: HttpRequest) -> list[tuple[str, Any, str]]:
    address = _address(request)
    if reception_terminal(request):
        return [("portal.file.reception", _key(address), RECEPTION_FILE_RATE)]
    who = _browser(request)
    counters = [("portal.file.address", _key(address), ADDRESS_FILE_RATE)]
    if who is None:
        counters.append(("portal.file.address_alone", _key(address), FILE_RATE))
    else:
        counters.append(("portal.file.browser", _key(f"{address}|{who}"), FILE_RATE))
    return counters


@dataclass(frozen=True)
class FilingLimit:
    """A refused filing: which limit, and in how many seconds it lifts."""

    rate: str
    browser: bool
    seconds: int


def filing_used_up(request: HttpRequest) -> FilingLimit | None:
    """The limit this filing would pass, or None when it may be filed."""
    for group, key, rate in _filing_counters(request):
        usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
        if usage is None:  # rate limiting switched off
            continue
        if usage["limit"] == 0:  # the cache failed: refuse rather than let everything through
            return FilingLimit(rate=rate, browser=False, seconds=3600)
        if usage["count"] >= usage["limit"]:
            seconds = max(60, int(usage.get("time_left") or 3600))
            browser = group in ("portal.file.browser", "portal.file.address_alone")
            return FilingLimit(rate=rate, browser=browser, seconds=seconds)
    return None


def filing_counted(request: HttpRequest) -> None:
    for group, key, rate in _filing_counters(request):
        _used_up(request, group, key, rate, increment=True)


def _number(number: str) -> str:
    return (number or "").strip().upper()[:40]


def _key(value: str) -> Any:
    return lambda group, request: value


def _address(request: HttpRequest) -> str:
    from jiefen.accounts.security import client_ip

    return client_ip(request) or "-"


def _browser(request: HttpRequest) -> str | None:
    """The browser, by its CSRF cookie (set by every portal page with a form), hashed."""
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not cookie:
        return None
    return hashlib.sha256(cookie.encode()).hexdigest()[:32]


def _guess_counters(request: HttpRequest, number: str, browser: bool) -> list[tuple[str, Any, str]]:
    """(group, key, rate) of every counter a wrong code adds to. The address counter is shared
    by both doors; where there is no browser (Open311, a client without cookies) the address
    is the guesser and gets FOLLOW_RATE of it."""
    address, number = _address(request), _number(number)
    counters = [
        ("jiefen.guess.address", _key(address), ADDRESS_RATE),
        ("jiefen.guess.number", _key(number), NUMBER_CEILING),
        ("jiefen.guess.address_number", _key(f"{address}|{number}"), NUMBER_TIGHT_RATE),
    ]
    who = _browser(request) if browser else None
    if who is not None:
        counters.append(("jiefen.guess.browser", _key(f"{address}|{who}"), FOLLOW_RATE))
    return counters


def _count(request: HttpRequest, group: str, key: Any, rate: str) -> int | None:
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    if usage is None:  # rate limiting switched off
        return None
    return usage["count"] if usage["limit"] else 10**9  # the cache failed: refuse


def guess_used_up(request: HttpRequest, number: str, *, browser: bool) -> bool:
    """Whether this guesser may not try a code for `number` now (right or wrong)."""
    counters = _guess_counters(request, number, browser)
    limits = {
        group: (_count(request, group, key, rate), int(rate.split("/")[0]))
        for group, key, rate in counters
    }
    if "jiefen.guess.browser" not in limits:
        limits["jiefen.guess.address"] = (
            limits["jiefen.guess.address"][0],
            int(FOLLOW_RATE.split("/")[0]),
        )
    used = {group: count is not None and count >= limit for group, (count, limit) in limits.items()}
    if not used.pop("jiefen.guess.number"):
        used.pop("jiefen.guess.address_number")
    return any(used.values())


def guess_failed(request: HttpRequest, number: str, *, browser: bool) -> None:
    for group, key, rate in _guess_counters(request, number, browser):
        _used_up(request, group, key, rate, increment=True)


def follow_used_up(request: HttpRequest, number: str) -> bool:
    return guess_used_up(request, number, browser=True)


def follow_failed(request: HttpRequest, number: str) -> None:
    guess_failed(request, number, browser=True)


# --- the followed dispute -----------------------------------------------------------------------


def follow_remember(response: HttpResponse, dispute: Any) -> None:
    """Remember for half an hour that this browser showed the right code for `dispute`. The
    signed cookie holds the dispute's id and part of its code's digest (so a new code ends
    it), never the code."""
    response.set_signed_cookie(
        FOLLOW_COOKIE,
        f"{dispute.pk}:{dispute.query_digest[:16]}",
        salt=FOLLOW_SALT,
        max_age=FOLLOW_MAX_AGE,
        path="/public/",
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def follow_forget(response: HttpResponse) -> None:
    response.delete_cookie(FOLLOW_COOKIE, path="/public/", samesite="Lax")


def followed(request: HttpRequest) -> tuple[int, str] | None:
    """(dispute id, digest prefix) from a valid, unexpired cookie, or None."""
    raw = request.get_signed_cookie(
        FOLLOW_COOKIE, default=None, salt=FOLLOW_SALT, max_age=FOLLOW_MAX_AGE
    )
    pk, _sep, digest = (raw or "").partition(":")
    if not pk.isdigit() or len(digest) != 16:
        return None
    return int(pk), digest


# --- codes by SMS -------------------------------------------------------------------------------
#
# Asking for a code by SMS at the public doors (a number and a phone typed by anyone) is
# counted per browser and per address, like the filings, and never per dispute or phone alone
# here (the phone's own limit is portal.codes.SEND_RATE): a stranger asking from elsewhere uses
# up their own allowance, not the party's. The code typed back is a guess like a query code
# and goes into the same counters (guess_used_up / guess_failed).
SMS_SEND_RATE = "5/h"  # per browser, or per address where there is no browser
ADDRESS_SMS_SEND_RATE = "30/h"  # per address, whatever the browsers behind it


def browser_key(request: HttpRequest) -> str:
    """Who asked, for binding a code to them: the browser where there is one, else the
    address."""
    who = _browser(request)
    return (
        f"b:{who}"
        if who is not None
        else "a:" + hashlib.sha256(_address(request).encode()).hexdigest()[:32]
    )


def _sms_counters(request: HttpRequest) -> list[tuple[str, Any, str]]:
    address = _address(request)
    return [
        ("portal.sms.address", _key(address), ADDRESS_SMS_SEND_RATE),
        ("portal.sms.browser", _key(f"{address}|{browser_key(request)}"), SMS_SEND_RATE),
    ]


def sms_send_used_up(request: HttpRequest) -> bool:
    """Whether this browser (or address) may not ask for another code now; counts the ask."""
    used = False
    for group, key, rate in _sms_counters(request):
        used = _used_up(request, group, key, rate, increment=False) or used
    if not used:
        for group, key, rate in _sms_counters(request):
            _used_up(request, group, key, rate, increment=True)
    return used
