"""Sign-in in two steps (password, then a code when the user has an authenticator), enrolment
of an authenticator with recovery codes, and the page where staff manage their second factor.

Between the two steps the user is not signed in: the session only remembers, for a few
minutes, who gave the right password. Wrong codes count as failed sign-ins for django-axes.
"""

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from jiefen.accounts import services
from jiefen.accounts.forms import CodeForm
from jiefen.accounts.security import (
    confirmed_totp,
    has_second_factor,
    recovery_device,
    second_factor_required,
)

PENDING = "jiefen_2fa_pending"
CODES = "jiefen_2fa_codes"
PENDING_SECONDS = 5 * 60


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("disputes:queue")


def _with_next(name: str, next_url: str) -> str:
    return reverse(name) + "?" + urlencode({"next": next_url})


def _cooloff_minutes(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0


class SignInView(LoginView):
    """Step one: the password. A user with an authenticator goes on to step two."""

    template_name = "registration/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        next_url = _safe_next(self.request, self.get_redirect_url())
        if has_second_factor(user):
            self.request.session.cycle_key()
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,  # type: ignore[attr-defined]  # set by authenticate()
                "since": time.time(),
            }
            return redirect(_with_next("accounts:verify", next_url))
        # Signed in; the middleware sends one who must have a second factor to enrolment.
        auth_login(self.request, user)
        return redirect(next_url)


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    """django-axes' lockout answer: the sign-in page with the reason, status 429."""
    request.session.pop(PENDING, None)
    context = {
        "form": AuthenticationForm(request),
        "locked_minutes": _cooloff_minutes(request),
        "next": _safe_next(request, request.POST.get("next") or request.GET.get("next")),
    }
    return render(request, "registration/login.html", context, status=429)


def _pending_user(request: HttpRequest):  # type: ignore[no-untyped-def]
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


@sensitive_post_parameters("code")
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app, or one recovery code."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        user = request.user
        if user.is_verified():  # type: ignore[union-attr,attr-defined]  # django-otp adds it
            return redirect(next_url)
    else:
        user = _pending_user(request)
        if user is None:
            messages.info(request, _("请重新输入用户名和密码。"))
            return redirect(_with_next("login", next_url))
    if not has_second_factor(user):
        if request.user.is_authenticated:
            return redirect(_with_next("accounts:enrol", next_url))
        return redirect(_with_next("login", next_url))

    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A code refused for any reason — wrong, or sent during django-otp's pause after a
        # wrong one — is counted by django-axes like a wrong password; its middleware answers
        # the lockout page once the limit is reached (README: five wrong passwords or codes).
        device = None
        if not services.code_check_allowed(user=user):
            form.add_error("code", _("验证码错误次数过多，请稍等片刻再试。"))
        else:
            device = services.code_check(user=user, code=form.cleaned_data["code"])
            if device is None:
                form.add_error("code", _("验证码不正确。"))
        if device is None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        else:
            if not request.user.is_authenticated:
                backend = request.session[PENDING]["backend"]
                request.session.pop(PENDING, None)
                auth_login(request, user, backend=backend)
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("已使用一个恢复码，还剩 %(left)d 个。用完前请在“两步验证”页面重新生成。")
                    % {"left": left},
                )
            return redirect(next_url)
    return render(request, "registration/verify.html", {"form": form, "next": next_url}, status=200)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@sensitive_post_parameters("code")
@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code and secret, confirm with a code, then recovery
    codes shown once. Replacing an existing app needs a verified session."""
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if has_second_factor(user) and not user.is_verified():  # type: ignore[union-attr]
        return redirect(_with_next("accounts:verify", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.totp_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        if result is None:
            form.add_error(
                "code", _("验证码不正确，请核对手机时间后输入应用中当前显示的 6 位数字。")
            )
        else:
            device, codes = result
            otp_login(request, device)
            request.session[CODES] = codes
            messages.success(request, _("两步验证已启用。"))
            return redirect(_with_next("accounts:codes", next_url))
    device = services.totp_enrolment_start(user=user)
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr.svg_inline(scale=5, title=_("两步验证二维码"), svgclass="qr"),
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "required": second_factor_required(user),
    }
    return render(request, "accounts/enrol.html", context)


@login_required
@never_cache
def codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just issued, shown this once and then forgotten by the session."""
    issued = request.session.pop(CODES, None)
    if not issued:
        return redirect("accounts:devices")
    next_url = _safe_next(request, request.GET.get("next"))
    return render(request, "accounts/codes.html", {"codes": issued, "next": next_url})


@login_required
@sensitive_post_parameters("code")
@never_cache
def devices(request: HttpRequest) -> HttpResponse:
    """One's own second factor: see it, renew the recovery codes, or remove it (a code is
    needed for both). Someone who must have a second factor is sent to set up a new one."""
    user = request.user
    form = CodeForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST" and action in {"renew", "remove"} and form.is_valid():
        if not services.code_check_allowed(user=user):
            form.add_error("code", _("验证码错误次数过多，请稍等片刻再试。"))
        elif services.code_check(user=user, code=form.cleaned_data["code"]) is None:
            form.add_error("code", _("验证码不正确。"))
        elif action == "renew":
            request.session[CODES] = services.recovery_codes_renew(user=user)
            return redirect("accounts:codes")
        else:
            services.second_factor_remove(user=user)
            if second_factor_required(user):
                messages.warning(
                    request, _("两步验证已移除。您的账号必须使用两步验证，请重新设置。")
                )
                return redirect("accounts:enrol")
            messages.success(request, _("两步验证已关闭。"))
            return redirect("accounts:devices")
    app = confirmed_totp(user)
    recovery = recovery_device(user)
    context = {
        "form": form,
        "app": app,
        "recovery_left": recovery.token_set.count() if recovery else 0,
        "required": second_factor_required(user),
    }
    return render(request, "accounts/devices.html", context)
