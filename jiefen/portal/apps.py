from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "jiefen.portal"
    verbose_name = _("当事人服务")
