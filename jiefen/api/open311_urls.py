"""/open311/v2/: Open311 GeoReport v2 (see jiefen.api.open311), each resource as .json or .xml."""

from django.urls import re_path

from jiefen.api import open311

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]{1,40})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<number>[-\w]{1,32})" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,64})" + FMT, open311.token, name="token"),
    re_path(r"^(?P<rest>.*)$", open311.unknown),
]
