from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "jiefen.metrics"
    verbose_name = _("考核与统计")

    def ready(self) -> None:
        from jiefen.disputes import services
        from jiefen.metrics import rollups

        services.rollup_event.register(rollups.rollup_event)
        services.rollup_stays.register(rollups.rollup_stays)
        services.rollup_replay.register(rollups.rollup_replay)

        from jiefen.metrics.warning_reports import warning_reports_due
        from jiefen.supervision.sweep import hook_register

        hook_register("warning_reports_due", warning_reports_due)
