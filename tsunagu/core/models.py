"""Base models and the append-only audit trail (監査ログ)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from .dates import wareki_datetime


class AuditAction(models.TextChoices):
    """What happened. The object type says to what; the details say how."""

    LOGIN_SUCCESS = "login_success", "ログイン成功"
    LOGIN_FAILURE = "login_failure", "ログイン失敗"
    LOGOUT = "logout", "ログアウト"
    SESSION_ENDED = "session_ended", "セッション終了（タイムアウト等）"
    LOCKOUT = "lockout", "アカウントロック"
    UNLOCK = "unlock", "ロック解除"
    MFA_CHANGE = "mfa_change", "多要素認証の設定変更"
    ACCESS_DENIED = "access_denied", "権限による拒否"
    VIEW = "view", "閲覧"
    RESTRICTED_VIEW = "restricted_view", "閲覧制限項目の閲覧"
    SEARCH = "search", "検索"
    CREATE = "create", "作成"
    UPDATE = "update", "更新"
    DELETE = "delete", "削除"
    TRANSITION = "transition", "状態遷移"
    EXPORT = "export", "出力（エクスポート）"
    PRINT = "print", "印刷・PDF"
    DISCLOSURE = "disclosure", "第三者提供"
    MERGE = "merge", "名寄せ（統合）"
    UNMERGE = "unmerge", "名寄せの取消"
    TOKEN_ISSUE = "token_issue", "APIトークン発行"
    TOKEN_REVOKE = "token_revoke", "APIトークン失効"
    AUDIT_QUERY = "audit_query", "監査ログの照会"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """No bulk UPDATE or DELETE on an append-only table (the database refuses them too)."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(
            f"{self.model.append_only_label}は変更できません。{self.model.append_only_hint}"
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(
            f"{self.model.append_only_label}は削除できません。{self.model.append_only_hint}"
        )


class AppendOnlyModel(models.Model):
    """The one base for append-only records (追記のみ): the audit trail, the rule tables, the
    disclosure register. A row is saved once; a change is a new row. The model, its queryset and
    its base manager refuse UPDATE and DELETE, and a migration adds a trigger that refuses them in
    the database as well (``docs/audit.md``).

    Subclasses name what they hold (``append_only_label``) and, optionally, what to do instead
    (``append_only_hint``). A subclass with its own queryset derives it from ``AppendOnlyQuerySet``.
    """

    append_only_label: ClassVar[str] = "この記録"
    append_only_hint: ClassVar[str] = ""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(f"{self.append_only_label}は変更できません。{self.append_only_hint}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self.append_only_label}は削除できません。{self.append_only_hint}")


class AuditEvent(AppendOnlyModel):
    """One append-only row per audited event.

    Written only through ``tsunagu.core.audit.audit_record`` in the same transaction as the
    write it describes. ``person_id`` names the person whose data was touched (also when the
    object is a case or a record), so "who accessed person X in period P" is one indexed query.
    ``agency_id`` / ``municipality_id`` scope the privacy officer's screen.
    """

    occurred_at = models.DateTimeField("日時(UTC)", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作者(記録時)", max_length=150, blank=True)
    action = models.CharField("操作", max_length=32, choices=AuditAction.choices)
    object_type = models.CharField("対象種別", max_length=64, blank=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True)
    person_id = models.BigIntegerField("対象者ID", null=True, blank=True)
    agency_id = models.BigIntegerField("機関ID", null=True, blank=True)
    municipality_id = models.BigIntegerField("自治体ID", null=True, blank=True)
    ip = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    details = models.JSONField("詳細", default=dict, blank=True)

    append_only_label: ClassVar[str] = "監査ログ"

    class Meta:
        verbose_name = "監査ログ"
        verbose_name_plural = "監査ログ"
        ordering = ["-occurred_at", "-id"]
        # Related-object access and internal queries use the guarded manager too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["person_id", "occurred_at"], name="audit_person_time"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="audit_object_time"),
            models.Index(fields=["agency_id", "occurred_at"], name="audit_agency_time"),
        ]

    def __str__(self) -> str:
        return f"{wareki_datetime(self.occurred_at)} {self.actor_label} {self.get_action_display()}"


class VersionedModel(models.Model):
    """Optimistic locking: every save through a service bumps ``version``; a stale save is refused."""

    version = models.PositiveIntegerField("版", default=1)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        abstract = True


class CodeList(models.TextChoices):
    """Configurable category lists (master data). The defaults (``core/default_codes.py``) follow the
    自立相談支援機関使用標準様式."""

    CONSULTATION_METHOD = "consultation_method", "相談方法"
    CONSULTER_TYPE = "consulter_type", "相談者（来談者）"
    REFERRAL_ROUTE = "referral_route", "相談経路・紹介元"
    CONSULTATION_TOPIC = "consultation_topic", "相談したいこと"
    URGENCY_FLAG = "urgency_flag", "緊急性"
    HOUSING_STATUS = "housing_status", "住まいの状況"
    SCREENING_REFERRAL = "screening_referral", "つなぎ先（スクリーニング）"
    ASSESSMENT_ISSUE = "assessment_issue", "抱える課題"
    CHANGE_ITEM = "change_item", "本人の変化"
    CLOSURE_REASON = "closure_reason", "終結理由"
    CONTACT_METHOD = "contact_method", "希望する連絡方法"
    WORK_STATUS = "work_status", "仕事（申込票B票・就労の現状）"
    HOUSING_TYPE = "housing_type", "住居（申込票B票）"
    HEALTH_INSURANCE = "health_insurance", "健康保険"
    PENSION_STATUS = "pension_status", "年金"


class CodeItem(models.Model):
    """One entry of a category list (区分マスタ). Codes are stable; labels and order may be edited.

    ``municipality_id`` empty = the standard list (the defaults); a row with a municipality either
    overrides the standard row of the same code (label, order, 使用中) for that municipality or adds
    the municipality's own code. An own code of a list the statistics count carries ``counted_as``,
    the standard code it is counted as, so the national figures stay comparable. A code some record
    stores is never deleted, only retired (``is_active`` off, 使用中止); old records keep its label.
    """

    list_key = models.CharField("一覧", max_length=40, choices=CodeList.choices)
    code = models.CharField("コード", max_length=40)
    label = models.CharField("表示名", max_length=100)
    sort_order = models.PositiveIntegerField("並び順", default=0)
    is_active = models.BooleanField("使用中", default=True)
    municipality_id = models.BigIntegerField("自治体ID（空欄は全国の標準）", null=True, blank=True)
    counted_as = models.CharField("統計上の標準コード", max_length=40, blank=True, default="")
    version = models.PositiveIntegerField("版", default=1)

    class Meta:
        verbose_name = "区分マスタ"
        verbose_name_plural = "区分マスタ"
        ordering = ["list_key", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_key", "code"],
                condition=models.Q(municipality_id__isnull=True),
                name="codeitem_unique_code",
            ),
            models.UniqueConstraint(
                fields=["list_key", "code", "municipality_id"],
                condition=models.Q(municipality_id__isnull=False),
                name="codeitem_unique_code_per_municipality",
            ),
        ]
        indexes = [models.Index(fields=["municipality_id", "list_key"], name="codeitem_muni_list")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_standard(self) -> bool:
        return self.municipality_id is None


class IdempotencyKey(models.Model):
    """A client-chosen key (二重送信防止キー) and the record its first request created.

    Keys are scoped to the agency (or municipality) *and* the account that sent them, and to the
    kind of record: the same string sent by another account or another agency is a different key
    and never returns someone else's record (``core.idempotency``).
    """

    agency_id = models.BigIntegerField("機関ID", null=True, blank=True)
    municipality_id = models.BigIntegerField("自治体ID", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="送信者", on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField("対象の種類", max_length=64)
    key = models.CharField("キー", max_length=64)
    object_id = models.CharField("作成した記録のID", max_length=64)
    created_at = models.DateTimeField("作成日時", default=timezone.now)

    class Meta:
        verbose_name = "二重送信防止キー"
        verbose_name_plural = "二重送信防止キー"
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotencykey_unique_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class FormDraft(models.Model):
    """What a user typed into a long form and has not sent yet (下書き), kept on the server.

    One row per account and page (``path``): every autosave overwrites it, so it is not
    append-only; each save, restore and deletion is audited like a write or read of the record it
    belongs to (``core.drafts``). ``agency_id`` / ``case_id`` / ``person_id`` are the scope the page
    had when it handed out the draft key; a draft is given back only where that scope still holds.
    Only form fields are kept (never files). Deleted when the record is saved; purged after
    ``core.drafts.DRAFT_RETENTION_DAYS`` days (``manage.py purge_form_drafts``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="入力者", on_delete=models.CASCADE, related_name="+"
    )
    agency_id = models.BigIntegerField("機関ID", null=True, blank=True)
    path = models.CharField("画面", max_length=255)
    case_id = models.BigIntegerField("ケースID", null=True, blank=True)
    person_id = models.BigIntegerField("対象者ID", null=True, blank=True)
    object_type = models.CharField("対象種別", max_length=64, blank=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True)
    record_version = models.PositiveIntegerField("入力開始時の版", null=True, blank=True)
    data = models.JSONField("入力内容", default=dict)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "入力中の下書き"
        verbose_name_plural = "入力中の下書き"
        constraints = [models.UniqueConstraint(fields=["user", "path"], name="formdraft_unique_per_page")]

    def __str__(self) -> str:
        return f"{self.path}（{self.updated_at:%Y-%m-%d %H:%M}）"


class ChangeRecord(AppendOnlyModel):
    """One saved correction of an editable record (変更履歴): who changed what, when.

    Written only through ``tsunagu.core.history.record_change``, in the transaction of the edit it
    describes. ``rows`` is a list of ``{"field", "label", "before", "after"}`` with the values as
    display text (和暦 dates, category labels), so the earlier values stay readable even when a
    category list changes later. ``version`` is the record's version after the change.
    Any app may keep its history here (``app_label``/``model``/``object_id`` name the record);
    pages show it with ``templates/includes/history.html`` only after their view has scoped the
    record (``organizations/scoping.py``).
    """

    app_label = models.CharField("アプリ", max_length=64)
    model = models.CharField("記録の種類", max_length=64)
    object_id = models.CharField("記録のID", max_length=64)
    version = models.PositiveIntegerField("版")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="変更者", on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField("変更者(記録時)", max_length=150, blank=True)
    changed_at = models.DateTimeField("変更日時", default=timezone.now)
    rows = models.JSONField("変更内容", default=list)
    reason = models.TextField("変更の理由", blank=True)

    append_only_label: ClassVar[str] = "変更履歴"
    append_only_hint: ClassVar[str] = "訂正は新しい変更として記録してください。"

    class Meta:
        verbose_name = "変更履歴"
        verbose_name_plural = "変更履歴"
        ordering = ["app_label", "model", "object_id", "-version", "-id"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["app_label", "model", "object_id", "version"], name="changerecord_unique_version"
            ),
        ]
        indexes = [
            models.Index(fields=["app_label", "model", "object_id", "-version"], name="changerecord_object"),
        ]

    def __str__(self) -> str:
        return f"{self.app_label}.{self.model}#{self.object_id} 第{self.version}版"


class ChangeRecordPurge(AppendOnlyModel):
    """The authority to delete the history of one record (保存期間の経過): the only way a
    ``ChangeRecord`` row is deleted. The database trigger on ``core_changerecord`` lets a DELETE
    through only for a record named here, and this table is itself append-only, so every deletion
    of history leaves its trace (which record, when, on what basis — no personal data).
    Written only by ``tsunagu.core.history.purge_history``."""

    app_label = models.CharField("アプリ", max_length=64)
    model = models.CharField("記録の種類", max_length=64)
    object_id = models.CharField("記録のID", max_length=64)
    basis = models.CharField("根拠", max_length=200)
    purged_at = models.DateTimeField("削除日時", default=timezone.now)

    append_only_label: ClassVar[str] = "変更履歴の削除の記録"
    append_only_hint: ClassVar[str] = "削除の記録は変更できません。"

    class Meta:
        verbose_name = "変更履歴の削除の記録"
        verbose_name_plural = "変更履歴の削除の記録"
        indexes = [models.Index(fields=["app_label", "model", "object_id"], name="changepurge_record")]

    def __str__(self) -> str:
        return f"{self.app_label}.{self.model} #{self.object_id} の変更履歴の削除"
