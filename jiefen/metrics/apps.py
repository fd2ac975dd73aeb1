from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "jiefen.metrics"
    verbose_name = _("考核与统计")
