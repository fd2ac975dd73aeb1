from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "jiefen.privacy"
    verbose_name = _("个人信息保护")

    def ready(self) -> None:
        from jiefen.disputes.lifecycle import EVENT_LABELS

        EVENT_LABELS["anonymise"] = _("当事人信息匿名化")  # type: ignore[index]

        from jiefen.privacy.retention import parties_anonymise_due
        from jiefen.supervision.sweep import hook_register

        hook_register("parties_anonymise_due", parties_anonymise_due)
