"""The audit log: one hash-chained record per write, sign-in and reveal of personal data.

A record says who (a staff account, the public, or the system and its command), when, from
which address, what object (app label, model, primary key), which action (create / update /
delete or the domain action, e.g. an event's action key) and the NAMES of the fields that
changed — never their values. The chain (see chain.py) makes a changed, deleted, inserted or
reordered record detectable. Writers only insert (a record is born unsealed: no `seq`, no
hash, but its keyed `mac`); the sealer puts records into the chain in `id` order under the one
ChainHead row, which remembers the last hash, so a dropped tail is detectable too, and the
checkpoint left by pruning.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class ActorKind(models.TextChoices):
    USER = "user", _("工作人员")
    PUBLIC = "public", _("公众（未登录）")
    SYSTEM = "system", _("系统")


class Record(models.Model):
    # The place in the chain, given by the sealer; null while the record waits to be sealed.
    seq = models.BigIntegerField(_("序号"), unique=True, null=True, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_kind = models.CharField(_("操作方"), max_length=8, choices=ActorKind.choices)
    # No foreign key: the record must outlive the account and must not block its deletion.
    actor_user_id = models.BigIntegerField(_("操作人"), null=True, blank=True)
    # For the system: the management command or task that wrote.
    actor_system = models.CharField(_("系统来源"), max_length=100, blank=True)
    ip = models.CharField(_("地址"), max_length=45, blank=True)
    action = models.CharField(_("动作"), max_length=40)
    app_label = models.CharField(_("应用"), max_length=50, blank=True)
    model = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_pk = models.CharField(_("对象编号"), max_length=64, blank=True)
    # The region the object belongs to (a dispute's, a body's), for the auditor's jurisdiction;
    # null for things of no region (accounts, sign-ins, rules).
    region_code = models.BigIntegerField(_("区划代码"), null=True, blank=True)
    fields = models.JSONField(_("字段"), default=list, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, blank=True)
    hash = models.CharField(_("摘要"), max_length=64, blank=True)
    # Written with the record, before it is sealed: a random nonce and the HMAC of the content
    # under a key the database does not hold (chain.mac). Empty on records written before
    # sealing existed (seq <= ChainHead.legacy_seq).
    nonce = models.CharField(_("随机数"), max_length=16, blank=True)
    mac = models.CharField(_("内容校验码"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["actor_user_id", "seq"], name="audit_actor_seq"),
            models.Index(fields=["app_label", "model", "seq"], name="audit_object_seq"),
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["region_code", "seq"], name="audit_region_seq"),
            # What the sealer looks for: the records not sealed yet, in the order written.
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed"
            ),
        ]
        constraints = [
            # A copy of a record (same nonce, same mac) cannot be added beside it.
            models.UniqueConstraint(
                fields=["mac"], condition=~models.Q(mac=""), name="audit_mac_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.app_label}.{self.model}:{self.object_pk}"


class ChainHead(models.Model):
    """The single row (pk=1) the sealer and pruning lock (writers never do). `last_*` is the
    newest sealed record; `checkpoint_*` the last record removed by pruning (GENESIS/0 before
    any pruning); `legacy_seq` the last record written before records carried a mac (every
    later one must). `verified_*` is the outcome of the last full `jiefen audit verify`,
    shown on the audit page."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    checkpoint_seq = models.BigIntegerField(default=0)
    checkpoint_hash = models.CharField(max_length=64, default=GENESIS)
    checkpoint_at = models.DateTimeField(null=True, blank=True)
    legacy_seq = models.BigIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(null=True)
    verified_seq = models.BigIntegerField(default=0)
    verified_message = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.last_seq}:{self.last_hash[:12]}"
