from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "jiefen.api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from jiefen.api.errors import too_big_api, too_big_open311
        from jiefen.ops.too_big import door_register

        door_register("/api/", too_big_api)
        door_register("/open311/", too_big_open311)
