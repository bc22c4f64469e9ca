"""相談者 (persons), their households, and link/merge records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tsunagu.core.dates import wareki
from tsunagu.core.models import VersionedModel
from tsunagu.organizations.models import Agency, Municipality


class Gender(models.TextChoices):
    MALE = "male", "男性"
    FEMALE = "female", "女性"
    OTHER = "other", "その他"
    NO_ANSWER = "no_answer", "回答しない"


# Fields hidden for restricted persons (DV etc.) from everyone but the assigned staff and the
# centre manager — in lists, search results, exports, PDFs and the API.
RESTRICTED_FIELDS = ("postal_code", "address", "phone", "phone_alt", "email", "workplace")


class Person(VersionedModel):
    """A person who consults the centre. Tenancy: the agency (and its municipality) that holds the record."""

    agency = models.ForeignKey(Agency, verbose_name="機関", on_delete=models.PROTECT, related_name="persons")
    municipality = models.ForeignKey(
        Municipality, verbose_name="実施主体", on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField("氏名", max_length=60)
    kana = models.CharField("フリガナ", max_length=80)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    gender = models.CharField("性別", max_length=16, choices=Gender.choices, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    phone = models.CharField("電話", max_length=20, blank=True)
    phone_alt = models.CharField("電話（その他）", max_length=20, blank=True)
    email = models.EmailField("メール", blank=True)
    contact_method = models.CharField("希望する連絡方法", max_length=40, blank=True)
    contact_times = models.CharField("連絡してよい時間帯", max_length=100, blank=True)
    nationality = models.CharField("国籍", max_length=40, blank=True)
    housing_status = models.CharField("住まいの状況", max_length=40, blank=True)
    workplace = models.CharField("勤務先・通学先", max_length=120, blank=True)

    is_restricted = models.BooleanField("閲覧制限（DV等）", default=False)
    restriction_reason = models.CharField("閲覧制限の理由（設定・解除の理由）", max_length=200, blank=True)
    # The household (世帯構成) is edited as a whole on its own page: its own optimistic lock, so
    # that saving the household and saving the person's details do not refuse each other.
    household_version = models.PositiveIntegerField("世帯構成の版", default=1)

    # Search keys, derived by the service that saves the person (persons/normalize.py).
    name_key = models.CharField(max_length=60, blank=True, db_index=True, editable=False)
    kana_key = models.CharField(max_length=80, blank=True, db_index=True, editable=False)
    kana_family_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone_key = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    phone_alt_key = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    address_key = models.CharField(max_length=200, blank=True, editable=False)

    merged_into = models.ForeignKey(
        "self",
        verbose_name="統合先",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登録者"
    )

    class Meta:
        verbose_name = "相談者"
        verbose_name_plural = "相談者"
        ordering = ["kana_key", "id"]
        indexes = [
            models.Index(fields=["agency", "kana_key", "id"], name="person_agency_kana"),
            models.Index(fields=["agency", "birth_date"], name="person_agency_birth"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="person_not_merged_into_self"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdMember(models.Model):
    """One member of the person's household (世帯構成). The members are saved as a whole by
    ``services.household_set``, locked by ``Person.household_version``."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="household", verbose_name="相談者"
    )
    name = models.CharField("氏名", max_length=60)
    kana = models.CharField("フリガナ", max_length=80, blank=True)
    relationship = models.CharField("続柄", max_length=20)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    lives_together = models.BooleanField("同居", default=True)

    class Meta:
        verbose_name = "世帯員"
        verbose_name_plural = "世帯員"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.relationship}）"


class PersonMerge(models.Model):
    """A link/merge of two person records (名寄せ). Nothing is overwritten; it can be undone.

    The merged person's row stays as it was (all its values kept) and points to the survivor;
    its cases move to the survivor. ``conflicts`` records every field whose values differed.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    conflicts = models.JSONField("相違した項目", default=dict)
    moved_records = models.JSONField("移した記録", default=dict)
    reason = models.CharField("理由", max_length=200, blank=True)
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performed_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "名寄せ"
        verbose_name_plural = "名寄せ"
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=models.F("merged")), name="merge_distinct_persons"),
            models.UniqueConstraint(
                fields=["merged"], condition=Q(undone_at__isnull=True), name="merge_one_active_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"名寄せ（{wareki(self.performed_at)}）"


class PersonKanaTrigram(models.Model):
    """Character trigrams of a person's folded フリガナ, for fuzzy search on any database.

    PostgreSQL's pg_trgm ignores Japanese under LC_CTYPE C and SQLite has no trigram index
    for LIKE; one portable table gives the same candidates on both (persons/selectors.py).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    trigram = models.CharField(max_length=3)

    class Meta:
        verbose_name = "カナ検索索引"
        verbose_name_plural = "カナ検索索引"
        indexes = [models.Index(fields=["agency", "trigram", "person"], name="kana_trigram_lookup")]
        constraints = [models.UniqueConstraint(fields=["person", "trigram"], name="kana_trigram_unique")]

    def __str__(self) -> str:
        return self.trigram
