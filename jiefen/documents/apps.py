from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "jiefen.documents"
    verbose_name = _("法律文书")

    def ready(self) -> None:
        from jiefen.disputes.lifecycle import EVENT_LABELS
        from jiefen.documents import assent, services
        from jiefen.supervision.notifications import register

        EVENT_LABELS.update(  # type: ignore[arg-type]
            {
                services.APPLY: _("申请司法确认"),
                services.RESULT: _("司法确认结果"),
                services.QUERY_CODE: _("发放查询码"),
                assent.CONFIRM: _("当事人确认调解协议"),
                assent.REFUSE: _("当事人不同意调解协议"),
                assent.VOID: _("调解协议内容修改，原确认失效"),
            }
        )
        register(services.REMINDER_KIND, _("司法确认期限提醒"), services.reminder_text)

        from jiefen.disputes.forms import ResolveForm
        from jiefen.documents.resolve import AgreementItems

        if AgreementItems not in ResolveForm.extensions:
            ResolveForm.extensions.append(AgreementItems)
        from jiefen.supervision.sweep import hook_register

        hook_register("confirmation_reminders", services.confirmation_reminders)
        from django.core import checks

        from jiefen.documents import signing

        checks.register(signing.check, checks.Tags.security, deploy=False)

        from jiefen.documents.selectors import page_parts_register

        page_parts_register()
