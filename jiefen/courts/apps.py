from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtsConfig(AppConfig):
    name = "jiefen.courts"
    verbose_name = _("司法确认申请")
