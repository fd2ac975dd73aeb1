from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediatorsConfig(AppConfig):
    name = "jiefen.mediators"
    verbose_name = _("调解员与归口")

    def ready(self) -> None:
        from jiefen.disputes.services import EVENT_FOLLOWERS
        from jiefen.mediators.services import assignments_follow

        if assignments_follow not in EVENT_FOLLOWERS:
            EVENT_FOLLOWERS.append(assignments_follow)
