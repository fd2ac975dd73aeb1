from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "jiefen.rules"
    verbose_name = _("时限规则")
