"""The search index (one entry and a few keys per dispute) and the links between disputes.

The index is derived data: `index.dispute_index` rewrites a dispute's rows in the transaction
of every write that changes what is searched, and `jiefen search rebuild` rewrites them all.
The full-text part lives beside SearchEntry in the database's own machinery, created by the
migration: on SQLite an FTS5 table `search_fts` fed by triggers on `search_entry`; on
PostgreSQL a generated `tsv` tsvector column with a GIN index.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute


class SearchEntry(models.Model):
    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Copied from the dispute so the index answers within a jurisdiction without a join.
    region_code = models.BigIntegerField()
    registered_at = models.DateTimeField()
    # Pre-segmented words (see segment.index_tokens): the title, and everything else
    # (description, project, session records, agreement).
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        db_table = "search_entry"
        indexes = [
            models.Index(fields=["region_code", "registered_at"], name="search_entry_region")
        ]

    def __str__(self) -> str:
        return str(self.dispute_id)


class KeyKind(models.TextChoices):
    NAME = "name", _("当事人姓名或名称")
    CODE = "code", _("统一社会信用代码")
    # The number reversed: a suffix of the number is a prefix of this, found in the index.
    NUMBER = "rnum", _("编号（倒序）")
    NUMBER_START = "num", _("编号")
    PROJECT = "project", _("涉及项目")


class SearchKey(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    region_code = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=KeyKind.choices)
    # Byte order (COLLATE "C" on PostgreSQL, SQLite's default), so a prefix is a range.
    value = models.CharField(max_length=100)
    # The party's side, for a name or code ("respondent" matters to the suggestions).
    side = models.CharField(max_length=12, blank=True)

    class Meta:
        db_table = "search_key"
        indexes = [models.Index(fields=["kind", "value", "region_code"], name="search_key_value")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.dispute_id}"


class LinkKind(models.TextChoices):
    RELATED = "related", _("相关纠纷")
    MERGED = "merged", _("已并入")


class DisputeLink(models.Model):
    """Two disputes about the same or a connected matter. For a merge, `source` is the dispute
    merged and `target` the one that continues."""

    source = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("关系"), max_length=10, choices=LinkKind.choices)
    # Machine keys of why they were found related (same_party, same_project, …).
    reasons = models.JSONField(_("关联依据"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("纠纷关联")
        verbose_name_plural = _("纠纷关联")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="dispute_link_once"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="dispute_link_not_self"
            ),
        ]
        indexes = [models.Index(fields=["target", "kind"], name="dispute_link_target")]

    def __str__(self) -> str:
        return f"{self.source_id}->{self.target_id}"
