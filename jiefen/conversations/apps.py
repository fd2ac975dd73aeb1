from django.apps import AppConfig
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _


def _message_text(p) -> str:  # type: ignore[no-untyped-def]
    return _t("当事人就纠纷 %(number)s 发来消息，请查看并答复") % {"number": p["number"]}


class ConversationsConfig(AppConfig):
    name = "jiefen.conversations"
    verbose_name = _("当事人沟通")

    def ready(self) -> None:
        from jiefen.conversations.services import NOTIFY_MESSAGE
        from jiefen.supervision.notifications import register

        register(NOTIFY_MESSAGE, _("当事人消息"), _message_text)

        from jiefen.conversations.selectors import page_parts_register

        page_parts_register()
