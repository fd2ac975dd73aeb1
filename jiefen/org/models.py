"""Handling bodies (调处主体) and the staff who hold roles in them.

A body belongs to one region; its jurisdiction is that region's subtree. A staff member's
jurisdiction is the union of the subtrees of the bodies they hold roles in (see scope.py).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.regions.models import Level, Region


class BodyKind(models.TextChoices):
    VILLAGE_GROUP = "village_group", _("村（社区）调处工作组")
    TOWN_CENTRE = "town_centre", _("乡镇（街道）矛调中心")
    COUNTY_MEETING = "county_meeting", _("县级联席会议")
    DEPARTMENT = "department", _("职能部门")
    CITY_OFFICE = "city_office", _("市级办公室")
    # Mediation bodies beside the tiers (jiefen.mediators): any number of them in a region.
    COMMITTEE = "committee", _("行业性专业性人民调解委员会")
    INVITED_ORG = "invited_org", _("特邀调解组织")
    LAWYER_STUDIO = "lawyer_studio", _("律师调解工作室")


# Kinds of which a region has at most one body: the tiers.
TIER_KINDS = ("village_group", "town_centre", "county_meeting", "city_office")

# The tier a body sits at, for transfers up and down: village → town → county.
KIND_LEVEL: dict[str, Level] = {
    BodyKind.VILLAGE_GROUP: Level.VILLAGE,
    BodyKind.TOWN_CENTRE: Level.TOWN,
    BodyKind.COUNTY_MEETING: Level.COUNTY,
    BodyKind.CITY_OFFICE: Level.CITY,
}


class DepartmentType(models.Model):
    """A kind of member department (国土, 信访, 人社 …); editable by administrators."""

    key = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    # Dispute categories this kind of department usually handles (归口), as category keys.
    matters = models.CharField(_("归口事项"), max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("部门类型")
        verbose_name_plural = _("部门类型")
        ordering = ["sort", "key"]

    def __str__(self) -> str:
        return self.name


class Body(models.Model):
    kind = models.CharField(_("类型"), max_length=20, choices=BodyKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="bodies", verbose_name=_("行政区划")
    )
    # Denormalised from region.code so bodies filter by subtree with one range scan.
    region_code = models.BigIntegerField(_("区划代码"), db_index=True, editable=False)
    department_type = models.ForeignKey(
        DepartmentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("部门类型"),
    )
    active = models.BooleanField(_("启用"), default=True)
    # Shown to the parties (where to go, whom to call): the body's own, public contacts.
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    public_phone = models.CharField(_("对外电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("调处主体")
        verbose_name_plural = _("调处主体")
        ordering = ["region_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind"],
                condition=models.Q(kind__in=TIER_KINDS),
                name="one_tier_body_per_region",
            ),
            models.UniqueConstraint(
                fields=["region", "department_type"],
                condition=models.Q(kind="department"),
                name="one_department_of_a_type_per_region",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="department", department_type__isnull=False)
                | (~models.Q(kind="department") & models.Q(department_type__isnull=True)),
                name="department_has_a_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.region_id
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    CLERK = "clerk", _("登记员")
    MEDIATOR = "mediator", _("调解员")
    HEAD = "head", _("负责人")
    LEADER = "leader", _("包案领导")
    SUPERVISOR = "supervisor", _("督查员")
    EVALUATOR = "evaluator", _("考核员")
    ADMIN = "admin", _("管理员")
    # Reads the audit log (jiefen.audit); deliberately not implied by ADMIN: those who
    # administer the system are not the ones who check what was done in it.
    AUDITOR = "auditor", _("审计员")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("工作人员"),
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("调处主体")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    # Centre staff count towards the town class staffing standard.
    counts_as_centre_staff = models.BooleanField(_("计入中心编制"), default=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "body", "role"], name="one_role_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.body} · {self.get_role_display()}"
