from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "jiefen.metrics"
    verbose_name = _("考核与统计")

    def ready(self) -> None:
        from jiefen.metrics.warning_reports import warning_reports_due
        from jiefen.supervision.sweep import hook_register

        hook_register("warning_reports_due", warning_reports_due)
