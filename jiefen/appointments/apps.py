from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "jiefen.appointments"
    verbose_name = _("约谈安排")

    def ready(self) -> None:
        from jiefen.appointments import services
        from jiefen.disputes.lifecycle import EVENT_LABELS
        from jiefen.disputes.services import EVENT_FOLLOWERS
        from jiefen.supervision.notifications import register
        from jiefen.supervision.sweep import hook_register

        EVENT_LABELS.update(  # type: ignore[arg-type]
            {
                services.PROPOSE: _("提出调解时间"),
                services.REPLY: _("当事人答复调解时间"),
                services.AGREE: _("调解时间已商定"),
                services.CONFIRM: _("确认调解时间"),
                services.CANCEL: _("取消调解时间"),
            }
        )
        register(services.REPLY_KIND, _("当事人答复调解时间"), services.reply_text)
        hook_register("appointment_reminders", services.appointment_reminders)
        if services.session_link not in EVENT_FOLLOWERS:
            EVENT_FOLLOWERS.append(services.session_link)
