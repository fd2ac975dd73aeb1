"""What the party's section of the portal says after an upload."""

from django.utils.translation import gettext as _

from jiefen.attachments.services import size_limit_message
from jiefen.courts import services

# What the party's section says after an upload (?court=<code>): the portal page is rendered by
# the portal, so the outcome travels in the address and is shown in the section itself.
PARTY_MESSAGES = {
    "saved": lambda: _("已上传您的身份证明材料。"),
    "none": lambda: _("请选择要上传的文件。"),
    "size": size_limit_message,
    "kind": services.kind_message,
    "broken": services.broken_message,
    "pages": services.pages_message,
    "refused": lambda: _("未保存：现在不能上传身份证明材料（见下方说明）。"),
    "proved": lambda: _("请先通过手机验证码确认您是本纠纷的哪一方当事人，再上传身份证明材料。"),
}
