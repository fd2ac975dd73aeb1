from django.apps import AppConfig
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _


def _escalation_text(p) -> str:  # type: ignore[no-untyped-def]
    return _t("当事人申请将纠纷 %(number)s 移送上一级，请在 %(due)s 前答复") % {
        "number": p["number"],
        "due": p.get("due") or "—",
    }


def _review_text(p) -> str:  # type: ignore[no-untyped-def]
    return _t("当事人申请对纠纷 %(number)s 的决定进行复核，请在 %(due)s 前答复") % {
        "number": p["number"],
        "due": p.get("due") or "—",
    }


class PortalConfig(AppConfig):
    name = "jiefen.portal"
    verbose_name = _("当事人服务")

    def ready(self) -> None:
        from jiefen.disputes.services import (
            LOCK_FACTS,
            WAITING_FACT,
            PendingRequests,
            pending_register,
        )
        from jiefen.portal import services
        from jiefen.supervision.notifications import register, settle_register
        from jiefen.supervision.sweep import hook_register

        hook_register("escalations_overdue", services.escalations_overdue)
        hook_register("reviews_overdue", services.reviews_overdue)
        pending_register(
            PendingRequests(waiting=services.requests_waiting, answer=services.answer_waiting)
        )
        LOCK_FACTS[WAITING_FACT] = services.requests_waiting_fact
        register(services.NOTIFY_ESCALATION, _("当事人申请上移"), _escalation_text)
        register(services.NOTIFY_REVIEW, _("当事人申请复核"), _review_text)
        settle_register(services.ESCALATION_ANSWER, services.escalation_answer_settles)
        settle_register(services.REVIEW_ANSWER, services.review_answer_settles)
        from jiefen.disputes.lifecycle import EVENT_LABELS
        from jiefen.portal import ways_in

        EVENT_LABELS.update(  # type: ignore[arg-type]
            {
                ways_in.PHONE_CHECK: _("核实当事人手机号码"),
                ways_in.QUERY_CODE_RECOVER: _("当事人凭短信验证码找回查询码"),
            }
        )

        from jiefen.portal.selectors import page_parts_register

        page_parts_register()
