from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jiefen.supervision"
    verbose_name = _("督办与包案")

    def ready(self) -> None:
        from jiefen.disputes.lifecycle import EVENT_LABELS, event_detail_more
        from jiefen.supervision.events import EVENT_LABELS as SUPERVISION_LABELS
        from jiefen.supervision.events import event_detail

        EVENT_LABELS.update(SUPERVISION_LABELS)  # type: ignore[arg-type]
        event_detail_more.register(event_detail)

        from jiefen.disputes.services import EVENT_FOLLOWERS, LOCK_FACTS
        from jiefen.supervision.notifications import UNREAD_FACT, notifications_settle, unread_fact

        LOCK_FACTS[UNREAD_FACT] = unread_fact

        if notifications_settle not in EVENT_FOLLOWERS:
            EVENT_FOLLOWERS.append(notifications_settle)
        from jiefen.supervision.tasks import arrivals_follow

        if arrivals_follow not in EVENT_FOLLOWERS:
            EVENT_FOLLOWERS.append(arrivals_follow)

        from jiefen.ops.views import sweep_hooks_health
        from jiefen.supervision.sweep import hooks_health

        sweep_hooks_health.register(hooks_health)

        from jiefen.supervision.selectors import page_parts_register

        page_parts_register()
