"""What a 委託先の変更（引継ぎ） does with every table that names an agency (機関).

One declared table: every model with a ForeignKey to ``organizations.Agency`` is listed here with
what the hand-over does to its rows (``tests/test_registry.py`` walks ``apps.get_models()`` and
fails on a model that is missing, so a later app cannot forget its table):

- ``MOVE``: the rows of the municipality (``lookup`` says which: ``municipality`` or a path to it)
  that the old agency holds pass to the new agency (``UPDATE … SET agency = new``);
- ``KEEP``: the rows stay with the agency that wrote them — the record of who did what then
  (append-only tables cannot be changed anyway), the agency's own configuration and staff;
- ``DELETE``: derived or temporary rows of the moved records that would be wrong under the new
  agency (deleted, and rebuilt where the new agency needs them).

``counted=False`` marks a technical table (a derived index such as the カナ検索索引): its rows
move like the others, but the preview and result tables list only the record types people read.

Tables that name an agency by a plain id (``agency_id``, no ForeignKey) are listed in
``ID_TABLES`` with the same three answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.db import models


class Disposition(StrEnum):
    MOVE = "move"
    KEEP = "keep"
    DELETE = "delete"


@dataclass(frozen=True)
class Entry:
    model_label: str  # "cases.Case"
    disposition: Disposition
    why: str
    lookup: str = ""  # MOVE / DELETE: the path from the row to its municipality (実施主体)
    field: str = "agency"  # the agency field
    counted: bool = True  # listed as a row of the preview / result counts (False: a technical table)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def label(self) -> str:
        """The record type as the screens name it (the model's verbose name)."""
        return str(self.model._meta.verbose_name)


M, K, D = Disposition.MOVE, Disposition.KEEP, Disposition.DELETE
_RECORD = "ケースの記録：実施主体の記録として新しい機関に移る"

REGISTRY: tuple[Entry, ...] = (
    # 相談者とケース
    Entry("persons.Person", M, "相談者：実施主体の記録として移る", "municipality"),
    Entry(
        "persons.PersonMerge",
        M,
        "名寄せの記録：統合先の相談者とともに移る（取消も新しい機関で）",
        "survivor__municipality",
    ),
    Entry(
        "persons.PersonKanaTrigram",
        M,
        "カナ検索索引：相談者の機関の写し。相談者とともに移す（行の中身は機関以外同じ）。件数の表には出さない",
        "person__municipality",
        counted=False,
    ),
    Entry("cases.Case", M, "ケース：番号が移行先の番号と重なるものは振り直す", "municipality"),
    Entry("cases.EmergencySupport", M, _RECORD, "municipality"),
    Entry("cases.Assessment", M, _RECORD, "municipality"),
    Entry("cases.SupportPlan", M, _RECORD, "municipality"),
    Entry("cases.SupportRecord", M, _RECORD, "municipality"),
    Entry("cases.Evaluation", M, _RECORD, "municipality"),
    Entry("cases.EmploymentOutcome", M, _RECORD, "municipality"),
    Entry(
        "cases.CaseNumberSequence",
        K,
        "機関ごと・年度ごとの採番：移行元の番号は移行元に残り、移行先の採番は移したケースの番号の後から続ける",
    ),
    # 会議
    Entry("meetings.SupportCouncil", M, "支援会議：実施主体の会議として移る", "municipality"),
    Entry("meetings.Meeting", M, "会議と議題・議事録：実施主体の会議として移る", "municipality"),
    Entry("meetings.Decision", M, "支援決定・確認：ケースとともに移る", "municipality"),
    # つなぎ・第三者提供
    Entry("referrals.Referral", M, "つなぎ：ケースとともに移る", "municipality"),
    Entry(
        "referrals.StatutoryExceptionRequest",
        M,
        "同意によらない提供の承認申請：ケースとともに移る",
        "municipality",
    ),
    Entry(
        "referrals.Disclosure",
        K,
        "第三者提供の記録（追記のみ）：誰がその時に提供したかの記録。移行先も相談者の提供履歴（開示請求用）で見られる",
    ),
    # 事業・給付
    Entry("programs.HouseholdBudgetSheet", M, _RECORD, "municipality"),
    Entry("programs.Debt", M, _RECORD, "municipality"),
    Entry("programs.BudgetPlan", M, _RECORD, "municipality"),
    Entry("programs.LoanLink", M, _RECORD, "municipality"),
    Entry("programs.TrainingTypeDecision", M, _RECORD, "municipality"),
    Entry("programs.ProgramEnrolment", M, "事業の利用：ケースとともに移る", "municipality"),
    Entry("programs.ProgressReport", M, "経過報告：事業の利用とともに移る", "municipality"),
    Entry(
        "programs.HousingBenefitApplication",
        M,
        "住居確保給付金：申請・決定・支給はすべて移る",
        "municipality",
    ),
    Entry("programs.HousingBenefitDecision", M, "住居確保給付金の決定", "municipality"),
    Entry("programs.HousingBenefitExtension", M, "住居確保給付金の延長", "municipality"),
    Entry("programs.HousingBenefitPayment", M, "住居確保給付金の支給", "municipality"),
    Entry("programs.JobSearchReport", M, "求職活動状況報告", "municipality"),
    Entry("programs.HousingBenefitStop", M, "住居確保給付金の中止", "municipality"),
    # 個人情報
    Entry(
        "privacy.Consent",
        M,
        "同意：相談者とともに移る（同意した時の説明の版は移行元のまま指す）",
        "municipality",
    ),
    Entry(
        "privacy.PrivacyNotice",
        K,
        "個人情報の取扱いの説明（版）：移行元が説明した文面。移した同意がその版を指し続ける",
    ),
    # 事業計画・統計
    Entry(
        "planning.AnnualPlan",
        M,
        "事業計画：実施主体の事業の計画として移る（移行先に同じ年度の計画があるときは実施できない）",
        "municipality",
    ),
    Entry(
        "statistics.StatisticsRun",
        K,
        "年度集計の実行：その時に誰の分を集計したかの記録。自治体の数値は記録から計算し直すので変わらない",
        field="area_agency",
    ),
    # 引継ぎそのもの
    Entry("handovers.Handover", K, "引継ぎの記録：どの機関からどの機関へ移したか", field="from_agency"),
    Entry("handovers.Handover", K, "引継ぎの記録：どの機関からどの機関へ移したか", field="to_agency"),
    # 取り込み・保存期間・本人開示
    Entry(
        "imports.ImportJob",
        K,
        "取り込みの記録：どの機関がどのファイルを取り込んだか（ファイルの中身は終了時に削除済み）",
    ),
    Entry(
        "personal_data.RetentionReview",
        K,
        "保存期間の確認：その時の機関の確認。実行時に各記録がまだ機関のものか確かめ直すため、移った記録は対象外になる",
    ),
    Entry(
        "personal_data.SubjectAccessRequest",
        M,
        "本人開示請求：相談者とともに移る",
        "municipality",
    ),
    # 職員
    Entry(
        "organizations.User",
        K,
        "職員：所属は変わらない。移行元が担当区域を失うと利用停止（organizations.services.staff_disable）",
    ),
)

# Tables that name an agency by id only (no ForeignKey).
ID_TABLES: tuple[Entry, ...] = (
    Entry("core.AuditEvent", K, "監査ログ（追記のみ）：その時の機関の記録", field="agency_id"),
    Entry(
        "core.IdempotencyKey",
        K,
        "二重送信防止の鍵：送った職員の鍵で、移行先には意味がない",
        field="agency_id",
    ),
    Entry(
        "core.FormDraft",
        D,
        "入力途中の下書き：移行元の職員が移したケース・相談者について書きかけたもの。移行先には見せず削除する",
        field="agency_id",
    ),
)


def moving() -> tuple[Entry, ...]:
    return tuple(e for e in REGISTRY if e.disposition is Disposition.MOVE)


def counted() -> tuple[Entry, ...]:
    """The moving record types the preview and result tables list (technical tables left out)."""
    return tuple(e for e in moving() if e.counted)


def uncounted_labels() -> frozenset[str]:
    return frozenset(e.label for e in moving() if not e.counted)


def entry_for(model: type[models.Model]) -> Entry | None:
    for e in REGISTRY:
        if e.model is model:
            return e
    return None
