from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "jiefen.org"
    verbose_name = _("调处主体与人员")
