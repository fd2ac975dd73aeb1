from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "jiefen.meetings"
    verbose_name = _("会议与通报")

    def ready(self) -> None:
        from jiefen.meetings.integration import register_notification_kinds

        register_notification_kinds()

        from jiefen.disputes import deadlines
        from jiefen.meetings.schedule import next_meeting_date

        deadlines.next_meeting_date.register(next_meeting_date)

        from jiefen.meetings.screening import screening_reminders
        from jiefen.meetings.services import meetings_sweep
        from jiefen.supervision.sweep import hook_register

        hook_register("screening_reminders", screening_reminders)
        hook_register("meetings_sweep", meetings_sweep)
