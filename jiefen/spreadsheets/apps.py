from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "jiefen.spreadsheets"
    verbose_name = _("导入导出")

    def ready(self) -> None:
        # The sweep removes export files past their day (supervision is below this app).
        from jiefen.spreadsheets.exporting import exports_expire
        from jiefen.supervision.sweep import hook_register

        hook_register("exports_expire", exports_expire)
