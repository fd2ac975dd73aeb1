from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jiefen.audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from jiefen.audit import capture

        capture.connect()
        checks.register(check_retention, checks.Tags.compatibility)


def check_retention(app_configs, **kwargs):  # type: ignore[no-untyped-def]
    """Refuse to start with a retention period under six months."""
    from django.core.exceptions import ImproperlyConfigured

    from jiefen.audit.chain import retention_days

    try:
        retention_days()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="jiefen.audit.E001")]
    return []
