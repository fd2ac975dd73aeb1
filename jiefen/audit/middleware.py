"""Who and from where: the request's actor and address, for the audit records of its writes.

The request itself goes into the context variable; the user and address are read only when
something is recorded, so requests that write nothing pay nothing."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jiefen.audit import context


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.set_request(request)
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
