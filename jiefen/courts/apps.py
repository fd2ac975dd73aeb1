from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtsConfig(AppConfig):
    name = "jiefen.courts"
    verbose_name = _("司法确认申请")

    def ready(self) -> None:
        from jiefen.courts.templatetags.courts_tags import page_parts_register

        page_parts_register()
