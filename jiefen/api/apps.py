from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _too_big_api(request: Any) -> Any:
    # Imported when first needed: the API's framework stays out of every command's start.
    from jiefen.api.errors import too_big_api

    return too_big_api(request)


def _too_big_open311(request: Any) -> Any:
    from jiefen.api.errors import too_big_open311

    return too_big_open311(request)


class ApiConfig(AppConfig):
    name = "jiefen.api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from jiefen.ops.too_big import door_register

        door_register("/api/", _too_big_api)
        door_register("/open311/", _too_big_open311)
