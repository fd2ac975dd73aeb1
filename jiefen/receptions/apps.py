from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionsConfig(AppConfig):
    name = "jiefen.receptions"
    verbose_name = _("领导接访")
