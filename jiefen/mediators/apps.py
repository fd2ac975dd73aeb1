from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediatorsConfig(AppConfig):
    name = "jiefen.mediators"
    verbose_name = _("调解员与归口")

    def ready(self) -> None:
        from jiefen.disputes import intake as dispute_pages
        from jiefen.disputes import services as dispute_services
        from jiefen.disputes.lifecycle import EVENT_LABELS
        from jiefen.disputes.services import EVENT_FOLLOWERS
        from jiefen.mediators.events import EVENT_LABELS as MEDIATOR_LABELS
        from jiefen.mediators.requests import mediator_requests_overdue
        from jiefen.mediators.selectors import proposed_department
        from jiefen.mediators.services import ASSIGNED_FACT, assignments_fact, assignments_follow
        from jiefen.mediators.sittings import session_choices, session_seating
        from jiefen.supervision.sweep import hook_register

        hook_register("mediator_requests_overdue", mediator_requests_overdue)
        dispute_pages.proposed_department.register(proposed_department)
        dispute_services.session_choices.register(session_choices)
        dispute_services.session_seating.register(session_seating)
        EVENT_LABELS.update(MEDIATOR_LABELS)  # type: ignore[arg-type]
        dispute_services.LOCK_FACTS[ASSIGNED_FACT] = assignments_fact
        if assignments_follow not in EVENT_FOLLOWERS:
            EVENT_FOLLOWERS.append(assignments_follow)
