"""Who and from where: the request's actor and address, for the audit records of its writes."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
