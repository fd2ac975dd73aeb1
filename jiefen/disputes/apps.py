from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "jiefen.disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from jiefen.audit import hooks as audit_hooks
        from jiefen.disputes.lifecycle import event_label

        audit_hooks.event_label.register(event_label)

        from jiefen.disputes.selectors import page_parts_register

        page_parts_register()
