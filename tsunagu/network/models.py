"""Partner agencies (関係機関) per municipality."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from tsunagu.core.models import VersionedModel
from tsunagu.organizations.models import Agency, Municipality


class PartnerAgencyType(models.TextChoices):
    WELFARE_OFFICE = "welfare_office", "福祉事務所"
    HELLO_WORK = "hello_work", "ハローワーク"
    YOUTH_SUPPORT_STATION = "youth_support_station", "地域若者サポートステーション"
    DISABILITY_CONSULTATION = "disability_consultation", "障害者相談支援事業所"
    COMMUNITY_CARE_CENTER = "community_care_center", "地域包括支援センター"
    MEDICAL = "medical", "医療機関"
    PUBLIC_HEALTH_CENTER = "public_health_center", "保健所"
    LEGAL = "legal", "弁護士・司法書士・法テラス"
    SCHOOL = "school", "学校・教育委員会"
    CHILD_GUIDANCE = "child_guidance", "児童相談所"
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council", "社会福祉協議会"
    NPO = "npo", "NPO"
    WELFARE_COMMISSIONER = "welfare_commissioner", "民生委員"
    COMPANY = "company", "企業"
    OTHER = "other", "その他"


class PartnerAgencyQuerySet(models.QuerySet["PartnerAgency"]):
    def in_area_of(self, agency: Agency | None) -> PartnerAgencyQuerySet:
        """Active partner agencies an agency may name: those of its area (``Agency.area``); none
        for an account without an agency."""
        if agency is None:
            return self.none()
        return self.filter(municipality_id__in=agency.area_ids(), is_active=True).order_by(
            "agency_type", "name"
        )


class PartnerAgency(VersionedModel):
    """関係機関. Edited on the 関係機関 screens with optimistic locking (``core.locking``)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name="自治体", on_delete=models.PROTECT, related_name="partner_agencies"
    )
    name = models.CharField("機関名", max_length=120)
    agency_type = models.CharField("種別", max_length=40, choices=PartnerAgencyType.choices)
    area = models.CharField("担当地域", max_length=200, blank=True)
    address = models.CharField("所在地", max_length=200, blank=True)
    phone = models.CharField("電話", max_length=20, blank=True)
    notes = models.TextField("備考", blank=True)
    is_active = models.BooleanField("有効", default=True)

    objects: ClassVar[PartnerAgencyQuerySet] = PartnerAgencyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "関係機関"
        verbose_name_plural = "関係機関"
        ordering = ["municipality", "agency_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="partneragency_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    partner = models.ForeignKey(PartnerAgency, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("担当者名", max_length=60)
    department = models.CharField("部署", max_length=100, blank=True)
    phone = models.CharField("電話", max_length=20, blank=True)
    email = models.EmailField("メール", blank=True)

    class Meta:
        verbose_name = "関係機関の担当者"
        verbose_name_plural = "関係機関の担当者"

    def __str__(self) -> str:
        return self.name
