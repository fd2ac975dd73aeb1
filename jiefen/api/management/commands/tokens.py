"""`jiefen tokens create USERNAME BODY_ID NAME | revoke ID | list`: API tokens by hand.

`create` prints the token alone on stdout (so scripts can capture it) and its id on stderr;
the token is not stored and cannot be shown again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiefen.accounts.models import User
from jiefen.api.models import ApiToken
from jiefen.api.tokens import token_create, token_revoke
from jiefen.lib.errors import DisputeError
from jiefen.org.models import Body


def _messages(error: DisputeError) -> str:
    details = [
        f"{name}: {'；'.join(str(m) for m in problems)}" for name, problems in error.fields.items()
    ]
    return "\n".join([str(error.message), *details])


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = _("接口令牌：创建（只显示一次）、吊销、列出")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help=_("为工作人员创建限于某调处主体的令牌"))
        create.add_argument("username", metavar="USERNAME")
        create.add_argument("body", metavar="BODY_ID")
        create.add_argument("name", metavar="NAME")
        revoke = actions.add_parser("revoke", help=_("吊销令牌"))
        revoke.add_argument("id", metavar="ID")
        actions.add_parser("list", help=_("列出令牌（不含令牌本身）"))

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            self.create(options["username"], options["body"], options["name"])
        elif action == "revoke":
            self.revoke(options["id"])
        else:
            self.list()

    def create(self, username: str, body_id: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("工作人员不存在：%(username)s") % {"username": username})
        body = (
            Body.objects.filter(pk=int(body_id)).first()
            if body_id.isascii() and body_id.isdigit()
            else None
        )
        if body is None:
            raise CommandError(_("调处主体不存在：%(id)s") % {"id": body_id})
        try:
            token, raw = token_create(user=user, body=body, name=name)
        except DisputeError as error:
            raise CommandError(_messages(error)) from None
        self.stderr.write(
            _("令牌 %(id)d 已创建（%(body)s），只显示这一次：") % {"id": token.pk, "body": body}
        )
        self.stdout.write(raw)

    def revoke(self, token_id: str) -> None:
        token = (
            ApiToken.objects.filter(pk=int(token_id)).first()
            if token_id.isascii() and token_id.isdigit()
            else None
        )
        if token is None:
            raise CommandError(_("令牌不存在：%(id)s") % {"id": token_id})
        token = token_revoke(token=token)
        self.stdout.write(
            _("令牌 %(id)d 已于 %(at)s 吊销") % {"id": token.pk, "at": token.revoked_at}
        )

    def list(self) -> None:
        for token in ApiToken.objects.select_related("user", "body").order_by("id"):
            state = _("已吊销") if token.revoked_at else _("有效")
            self.stdout.write(
                f"{token.pk}\t{state}\t{token.user.username}\t{token.body_id}\t{token.name}\t"
                f"{token.last_used or '-'}"
            )
