"""Second factor enforced on every page: a signed-in user who has an authenticator must have
entered a code in this session, and one who needs a second factor but has none must enrol
before anything else. Sign-in, sign-out, enrolment, static files and the parts with their own
authentication (public portal, API, Open311, health check) are left alone."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from jiefen.accounts.security import has_second_factor, second_factor_required

PUBLIC_PREFIXES = ("/public/", "/api/", "/open311/", "/healthz", "/i18n/", "/favicon.ico")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def exempt_prefixes(self) -> tuple[str, ...]:
        if self._exempt is None:
            self._exempt = (
                reverse("login"),
                reverse("logout"),
                reverse("accounts:verify"),
                reverse("accounts:enrol"),
                "/" + settings.STATIC_URL.lstrip("/"),
                *PUBLIC_PREFIXES,
            )
        return self._exempt

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]  # django-otp adds it
            and not request.path_info.startswith(self.exempt_prefixes())
        ):
            if has_second_factor(user):
                return self._to("accounts:verify", request)
            if second_factor_required(user):
                return self._to("accounts:enrol", request)
        return self.get_response(request)

    @staticmethod
    def _to(name: str, request: HttpRequest) -> HttpResponse:
        query = ""
        if request.method == "GET":
            query = "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(reverse(name) + query)
