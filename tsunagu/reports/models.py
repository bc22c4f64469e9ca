"""The layout of the 支援ケース一覧 (自立相談支援機関使用標準様式【4】) chosen by each municipality.

The national form's column list is not published, so each 実施主体 chooses the columns it wants
from the ones declared in ``case_list.py`` (``docs/reports.md``). Without a saved layout the
standard set applies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tsunagu.core.models import VersionedModel
from tsunagu.organizations.models import Municipality


class CaseListLayout(VersionedModel):
    """Which columns of the 支援ケース一覧, in which order, for one municipality (実施主体)."""

    municipality = models.OneToOneField(
        Municipality, verbose_name="実施主体", on_delete=models.PROTECT, related_name="case_list_layout"
    )
    columns = models.JSONField("列（並び順）", default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "支援ケース一覧の列の設定"
        verbose_name_plural = "支援ケース一覧の列の設定"

    def __str__(self) -> str:
        return f"支援ケース一覧の列の設定（{self.municipality}）"
