from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "jiefen.evaluation"
    verbose_name = _("考核评价")

    def ready(self) -> None:
        from jiefen.evaluation.targets import targets_for
        from jiefen.metrics import dashboard

        dashboard.targets_for.register(targets_for)
