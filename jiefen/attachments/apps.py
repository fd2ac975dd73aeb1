from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "jiefen.attachments"
    verbose_name = _("证据材料")

    def ready(self) -> None:
        from jiefen.attachments.selectors import page_parts_register

        page_parts_register()
