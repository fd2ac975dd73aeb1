from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "jiefen.ops"
    verbose_name = _("运行维护")

    def ready(self) -> None:
        from jiefen.ops.input_rule import install

        install()
