"""Prefectures, municipalities (実施主体), agencies (自立相談支援機関) and staff accounts."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from tsunagu.core.dates import wareki_datetime
from tsunagu.core.models import VersionedModel

from .roles import MUNICIPAL_ROLES, READ_ONLY_ROLES, Permission, Role, has_permission, roles_with
from .validators import validate_municipality_code


class Prefecture(models.Model):
    """The 47 prefectures (JIS X 0401 codes 01–47), seeded by migration 0002; the システム管理者
    marks the ones this installation serves (``in_use``)."""

    code = models.CharField("都道府県コード", max_length=2, unique=True)
    name = models.CharField("都道府県名", max_length=10, unique=True)
    in_use = models.BooleanField("この環境で使う", default=False)

    class Meta:
        verbose_name = "都道府県"
        verbose_name_plural = "都道府県"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def area_of(self, agency: Agency | int) -> MunicipalityQuerySet:
        """The municipalities an agency serves (担当区域): its own plus every 共同実施 one.

        The one definition of an agency's area; ``Agency.area`` / ``Agency.area_ids`` read it.
        """
        agency_id = agency if isinstance(agency, int) else agency.pk
        return self.filter(Q(agencies__pk=agency_id) | Q(served_by__pk=agency_id)).distinct()


class Municipality(VersionedModel):
    """実施主体: a welfare-office municipality (or a prefecture for its towns and villages)."""

    code = models.CharField(
        "全国地方公共団体コード", max_length=6, unique=True, validators=[validate_municipality_code]
    )
    name = models.CharField("自治体名", max_length=40)
    prefecture = models.ForeignKey(Prefecture, verbose_name="都道府県", on_delete=models.PROTECT)
    population = models.PositiveIntegerField("人口")
    population_as_of = models.DateField("人口の基準日", null=True, blank=True)
    slug = models.SlugField("略称（ローマ字）", max_length=40, unique=True)

    objects: ClassVar[MunicipalityQuerySet] = MunicipalityQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "自治体（実施主体）"
        verbose_name_plural = "自治体（実施主体）"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="municipality_code_6_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.prefecture.name}{self.name}" if self.prefecture_id else self.name


class OperationType(models.TextChoices):
    DIRECT = "direct", "直営"
    CONTRACTED = "contracted", "委託"


class AgencyQuerySet(models.QuerySet["Agency"]):
    def serving(self, municipality: Municipality | int) -> AgencyQuerySet:
        """The agencies whose area (``Agency.area``) includes ``municipality``."""
        muni_id = municipality if isinstance(municipality, int) else municipality.pk
        return self.filter(Q(municipality_id=muni_id) | Q(served_municipalities__pk=muni_id)).distinct()


class Agency(VersionedModel):
    """自立相談支援機関. One agency may serve several municipalities (共同実施).

    Its area (担当区域) is its 主たる実施主体 plus ``served_municipalities``: ``area()`` (a
    queryset), ``area_ids()`` (a set, read once per instance) and ``Agency.objects.serving(m)``
    are the only encodings of it.
    """

    name = models.CharField("機関名", max_length=100)
    operation_type = models.CharField("運営形態", max_length=16, choices=OperationType.choices)
    operator_name = models.CharField("受託法人名", max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name="主たる実施主体", on_delete=models.PROTECT, related_name="agencies"
    )
    served_municipalities = models.ManyToManyField(
        Municipality, verbose_name="担当する実施主体（共同実施を含む）", related_name="served_by"
    )
    is_active = models.BooleanField("有効", default=True)

    objects: ClassVar[AgencyQuerySet] = AgencyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "自立相談支援機関"
        verbose_name_plural = "自立相談支援機関"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operation_type="direct") | ~Q(operator_name=""),
                name="agency_contracted_has_operator",
                violation_error_message="委託の場合は受託法人名を入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def area(self) -> MunicipalityQuerySet:
        """The municipalities this agency serves: its own and every 共同実施 one."""
        return Municipality.objects.area_of(self)

    def area_ids(self) -> frozenset[int]:
        """``area()`` as ids, read once per instance."""
        cached: frozenset[int] | None = getattr(self, "_area_ids", None)
        if cached is None:
            cached = frozenset(
                {self.municipality_id, *self.served_municipalities.values_list("pk", flat=True)}
            )
            self._area_ids = cached
        return cached

    def joint_municipalities(self) -> list[Municipality]:
        """共同実施の自治体: the served municipalities besides the 主たる実施主体, by code (what the
        set-up screens and API show and take; an older row may also list its own municipality)."""
        return sorted(
            (m for m in self.served_municipalities.all() if m.pk != self.municipality_id),
            key=lambda m: m.code,
        )

    def serves(self, municipality: Municipality | int) -> bool:
        muni_id = municipality if isinstance(municipality, int) else municipality.pk
        return muni_id in self.area_ids()


class StaffManager(UserManager["User"]):
    def case_staff_of(self, agency: Agency | int | None) -> models.QuerySet[User]:
        """Active staff of ``agency`` who may write case records (相談支援員等, センター長): the
        workers a case can be assigned to or a record can name."""
        return (
            self.filter(agency=agency, is_active=True, roles__role__in=list(roles_with(Permission.CASE_EDIT)))
            .distinct()
            .order_by("display_name_kana", "username")
        )


# 職員アカウントの状態 as the set-up list filters it (``selectors.staff_search``).
STAFF_STATUSES = {"active": "有効", "disabled": "利用停止中"}


class User(AbstractUser):
    """A staff account. Belongs to an agency, or — for 自治体担当者 — to a municipality."""

    display_name = models.CharField("氏名", max_length=60, blank=True)
    display_name_kana = models.CharField("フリガナ", max_length=60, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name="所属機関", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="所属自治体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    is_demo = models.BooleanField("デモ用アカウント", default=False)
    # A temporary password (setup_site, 職員の登録, 認証情報のリセット) must be replaced at the next
    # login: ``middleware.MfaRequiredMiddleware`` opens only the password change until it is.
    must_change_password = models.BooleanField("次回ログイン時にパスワードの変更が必要", default=False)

    objects: ClassVar[StaffManager] = StaffManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "職員アカウント"
        verbose_name_plural = "職員アカウント"
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=True) | Q(municipality__isnull=True),
                name="user_agency_xor_municipality",
                violation_error_message="職員は機関か自治体のどちらか一方に所属します。",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_set(self) -> frozenset[str]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            if not self.pk:
                cached = frozenset()
            elif "roles" in getattr(self, "_prefetched_objects_cache", {}):
                # prefetch_related("roles") (staff lists): no query per row
                cached = frozenset(r.role for r in self.roles.all())
            else:
                cached = frozenset(self.roles.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_set

    def can(self, permission: Permission) -> bool:
        """Deny by default: an inactive account, or one without a role granting it, may not."""
        if not self.is_active or not self.is_authenticated:
            return False
        return has_permission(self.role_set, permission)

    @property
    def is_read_only(self) -> bool:
        return bool(self.role_set) and self.role_set <= {r.value for r in READ_ONLY_ROLES}

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in Role.values if r in self.role_set]


class StaffRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name="職員")
    role = models.CharField("ロール", max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = "ロール"
        verbose_name_plural = "ロール"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="staffrole_unique")]

    def __str__(self) -> str:
        return Role(self.role).label

    @staticmethod
    def is_municipal(role: str) -> bool:
        return role in {r.value for r in MUNICIPAL_ROLES}


class StaffSession(models.Model):
    """The server-side sessions of an account, so that logout or disabling ends them all."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "ログインセッション"
        verbose_name_plural = "ログインセッション"

    def __str__(self) -> str:
        return f"{self.user}のログイン（{wareki_datetime(self.created_at)}）"
