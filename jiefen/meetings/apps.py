from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "jiefen.meetings"
    verbose_name = _("会议与通报")

    def ready(self) -> None:
        from jiefen.meetings.integration import register_notification_kinds

        register_notification_kinds()
