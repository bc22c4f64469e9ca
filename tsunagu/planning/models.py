"""The annual business plan (事業計画, 手引き 図表Ⅷ-1) of an agency, and its targets per indicator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tsunagu.core.models import VersionedModel
from tsunagu.organizations.models import Agency, Municipality

FIRST_FISCAL_YEAR = 2015  # 生活困窮者自立支援法の施行（平成27年度）
LAST_FISCAL_YEAR = 2100


class PlanArea(models.TextChoices):
    """The three areas of the plan (図表Ⅷ-1), also the columns of the evaluation (図表Ⅷ-2)."""

    STRUCTURE = "structure", "①体制整備・運営計画"
    SUPPORT = "support", "②自立相談支援業務計画"
    COMMUNITY = "community", "③地域づくり・地域連携業務計画"


class AnnualPlan(VersionedModel):
    """One agency's plan for one 年度: plan items per area (one per line) and the targets.

    ``municipality`` is the agency's 主たる実施主体 when the plan was made (tenancy and audit);
    自治体担当者 of every municipality the agency serves may see it (policies.py).
    """

    agency = models.ForeignKey(Agency, verbose_name="機関", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        Municipality, verbose_name="主たる実施主体", on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveIntegerField("年度")
    structure_items = models.TextField(PlanArea.STRUCTURE.label, blank=True)
    support_items = models.TextField(PlanArea.SUPPORT.label, blank=True)
    community_items = models.TextField(PlanArea.COMMUNITY.label, blank=True)
    employment_income_rate_target = models.DecimalField(
        "就労・増収率の目標（%）", max_digits=4, decimal_places=1, null=True, blank=True
    )
    notes = models.TextField("備考（目標の考え方など）", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作成者", on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="最終更新者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "事業計画"
        verbose_name_plural = "事業計画"
        ordering = ["-fiscal_year", "agency__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "fiscal_year"],
                name="annualplan_one_per_agency_year",
                violation_error_message="この機関のこの年度の事業計画はすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=FIRST_FISCAL_YEAR, fiscal_year__lte=LAST_FISCAL_YEAR),
                name="annualplan_fiscal_year_range",
                violation_error_message="年度は平成27年度（2015年度）以降で指定してください。",
            ),
            models.CheckConstraint(
                condition=Q(employment_income_rate_target__isnull=True)
                | Q(employment_income_rate_target__gte=0, employment_income_rate_target__lte=100),
                name="annualplan_rate_target_percent",
                violation_error_message="割合は0〜100（%）で入力してください。",
            ),
        ]

    def __str__(self) -> str:
        from tsunagu.core.dates import fiscal_year_label

        return f"{self.agency.name} {fiscal_year_label(self.fiscal_year)} 事業計画"

    @staticmethod
    def lines(text: str) -> list[str]:
        """The plan items of one area: one per non-empty line, bullets removed."""
        out = []
        for raw in (text or "").splitlines():
            line = raw.strip().lstrip("・-*●○").strip()
            if line:
                out.append(line)
        return out

    @property
    def structure_lines(self) -> list[str]:
        return self.lines(self.structure_items)

    @property
    def support_lines(self) -> list[str]:
        return self.lines(self.support_items)

    @property
    def community_lines(self) -> list[str]:
        return self.lines(self.community_items)

    def items(self) -> list[tuple[str, str, list[str]]]:
        """(area key, area label, items) for the three areas in order."""
        return [
            (PlanArea.STRUCTURE.value, PlanArea.STRUCTURE.label, self.lines(self.structure_items)),
            (PlanArea.SUPPORT.value, PlanArea.SUPPORT.label, self.lines(self.support_items)),
            (PlanArea.COMMUNITY.value, PlanArea.COMMUNITY.label, self.lines(self.community_items)),
        ]


class AnnualTarget(models.Model):
    """A target for one indicator of the indicator engine (``tsunagu.statistics.indicators``):
    an annual count and, for indicators with a base (targets.py), a share of that base in %."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name="事業計画", on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.CharField("指標", max_length=64)
    annual_count = models.PositiveIntegerField("年間の目標値")
    rate_percent = models.DecimalField(
        "割合の目標（%）", max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = "事業計画の目標値"
        verbose_name_plural = "事業計画の目標値"
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator"], name="annualtarget_one_per_indicator"),
            models.CheckConstraint(
                condition=Q(rate_percent__isnull=True) | Q(rate_percent__gte=0, rate_percent__lte=100),
                name="annualtarget_rate_percent",
                violation_error_message="割合は0〜100（%）で入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.annual_count}"
