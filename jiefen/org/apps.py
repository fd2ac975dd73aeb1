from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "jiefen.org"
    verbose_name = _("调处主体与人员")

    def ready(self) -> None:
        from jiefen.audit import hooks as audit_hooks
        from jiefen.org.scope import audit_records_q

        audit_hooks.auditor_filter.register(audit_records_q)
