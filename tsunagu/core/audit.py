"""Writing audit events. The only way rows get into ``AuditEvent``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import models

from .models import AuditAction, AuditEvent
from .request_context import current_ip


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    person_id: int | None = None,
    agency_id: int | None = None,
    municipality_id: int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction of the write it describes.

    Scoping ids default to the object's own ``agency_id`` / ``municipality_id`` / ``person_id``
    attributes when it has them.
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = object_id or obj.pk
        agency_id = agency_id if agency_id is not None else getattr(obj, "agency_id", None)
        municipality_id = (
            municipality_id if municipality_id is not None else getattr(obj, "municipality_id", None)
        )
        person_id = person_id if person_id is not None else getattr(obj, "person_id", None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if user is not None:
        agency_id = agency_id if agency_id is not None else getattr(user, "agency_id", None)
        municipality_id = (
            municipality_id if municipality_id is not None else getattr(user, "municipality_id", None)
        )
    return AuditEvent.objects.create(
        actor=user,
        actor_label=getattr(user, "username", "")
        if user
        else str(details.get("login", "") if details else ""),
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        person_id=person_id,
        agency_id=agency_id,
        municipality_id=municipality_id,
        ip=ip or current_ip.get(),
        details=details or {},
    )


def _person_id_of(obj: models.Model) -> int | None:
    """The person a row is about: its own ``person_id``, the person itself, or — for a row that
    belongs to a case (a plan, a record) — the case's person when the case is already loaded
    (``select_related("case")``; never a query per row)."""
    if obj._meta.model_name == "person":
        return obj.pk  # type: ignore[no-any-return]
    own = getattr(obj, "person_id", None)
    if own is not None:
        return own  # type: ignore[no-any-return]
    case = obj._state.fields_cache.get("case")
    return getattr(case, "person_id", None)


def audit_record_many(
    *, actor: Any, action: AuditAction, objects: Sequence[models.Model], details: dict[str, Any]
) -> int:
    """One audit row per object in a single INSERT (e.g. every restricted person shown on a list page)."""
    if not objects:
        return 0
    rows = []
    for obj in objects:
        template = AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=getattr(actor, "username", ""),
            action=action,
            object_type=obj._meta.model_name or "",
            object_id=str(obj.pk),
            person_id=_person_id_of(obj),
            agency_id=getattr(obj, "agency_id", None),
            municipality_id=getattr(obj, "municipality_id", None),
            ip=current_ip.get(),
            details=details,
        )
        rows.append(template)
    AuditEvent.objects.bulk_create(rows)
    return len(rows)


# Audit rows name what they concern by the model's ``model_name`` ("supportplan"); a few name a
# piece of work that is no model. The screens show the Japanese name.
OTHER_OBJECT_TYPES = {
    "deidentified_export": "匿名化データ出力",
    "statistics_survey": "統計調査",
    "statistics_profile": "統計（新規相談者の状況）",
    "case_list_report": "支援ケース一覧",
}


def object_type_label(object_type: str) -> str:
    """The Japanese name of an audit row's ``object_type``: the model's verbose_name."""
    if not object_type:
        return ""
    if object_type in OTHER_OBJECT_TYPES:
        return OTHER_OBJECT_TYPES[object_type]
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(model._meta.verbose_name)
    return "その他"


def object_type_choices() -> list[tuple[str, str]]:
    """(object_type, Japanese name) for the audit search, in Japanese order of the names."""
    from django.apps import apps

    types = {m._meta.model_name or "" for m in apps.get_models() if m.__module__.startswith("tsunagu.")}
    types |= set(OTHER_OBJECT_TYPES)
    return sorted(((t, object_type_label(t)) for t in types if t), key=lambda c: c[1])


# The details of an audit row, as the audit search shows them: Japanese item names, 和暦 dates,
# はい/いいえ. Codes that have no entry here are shown as recorded.
DETAIL_LABELS = {
    "application_id": "申請ID",
    "area": "集計範囲",
    "case": "ケース",
    "case_id": "ケースID",
    "change": "変更",
    "clause": "根拠条項",
    "document": "書類",
    "end_on": "終了日",
    "fields": "項目",
    "fiscal_year": "年度",
    "for": "対象",
    "format": "形式",
    "from": "変更前",
    "kind": "種類",
    "list": "一覧表示",
    "login": "ログインID",
    "merged_person": "統合された相談者",
    "message": "メッセージ",
    "municipality_id": "自治体ID",
    "name": "名称",
    "number": "番号",
    "outcome_code": "結果",
    "partner_id": "関係機関ID",
    "path": "画面",
    "period": "期間",
    "permission": "必要な権限",
    "persons": "相談者",
    "plan": "プラン",
    "program": "事業",
    "programs": "事業",
    "provider_id": "事業者ID",
    "purpose": "目的",
    "purposes": "利用目的",
    "q_length": "検索語の長さ",
    "reason": "理由",
    "recipient_id": "提供先ID",
    "referral_id": "つなぎID",
    "results": "件数",
    "roles": "役割",
    "rows": "行数",
    "sequence": "回",
    "sessions_ended": "終了したセッション",
    "stage": "段階",
    "start": "期間（開始）",
    "end": "期間（終了）",
    "start_on": "開始日",
    "status": "状態",
    "survivor": "統合先の相談者",
    "targets": "対象",
    "to": "変更後",
    "training_type": "訓練の種類",
    "transition": "状態の変更",
    "urgency_flags": "緊急度",
    "username": "ログインID",
    "via": "経路",
    "what": "内容",
    "withdrawn_on": "撤回日",
    "person_id": "相談者ID",
    "object_type": "対象種別",
    "object_id": "対象ID",
    "action": "操作",
    "actor": "職員",
    "q": "検索語",
}
DETAIL_LABELS |= {
    "panel": "表示した欄",
    "scope": "範囲",
    "notice_version": "通知の版",
    "any_of": "いずれかの権限",
    "case_number": "ケース番号",
    "case_ids": "ケースID",
    "count": "件数",
}
DETAIL_VALUES = {
    "no_permission": "権限がない",
    "restricted": "閲覧制限",
    "restricted_fields": "閲覧制限の項目",
    "other_agency": "他の機関の記録",
    "other_municipality": "他の自治体の記録",
    "no_agency": "所属機関なし",
    "no_municipality": "所属自治体なし",
    "no_person": "相談者なし",
    "outside_area": "担当区域外",
    "not_council_member": "支援会議の構成員でない",
    "no_disclosure_basis": "提供の根拠なし",
    "locked_out": "ロック中",
    "absolute_timeout": "ログインの有効期限切れ",
    "self": "本人",
    "api": "API",
    "case_list": "ケース一覧",
    "command": "管理コマンド",
    "dashboard": "ダッシュボード",
    "duplicate_candidates": "重複候補の確認",
    "any_of": "いずれか",
    "no_contact": "連絡なし",
    "statistics_drilldown": "統計の内訳",
    "csv": "CSV",
    "xlsx": "Excel",
}

DETAIL_VALUES |= {
    "disclosure_history": "第三者提供の記録（本人への開示用）",
    "household_budget_not_visible": "家計の情報を見る立場にない",
    "assessment_not_visible": "アセスメントを見る立場にない",
    "restriction_change": "閲覧制限の変更",
    "transition": "状態の変更",
    "case_list_report": "支援ケース一覧",
    "api_case_list_report": "支援ケース一覧（API）",
    "screen": "画面",
}


def _detail_value(value: Any) -> str:
    from .dates import parse_date, wareki

    if value is True:
        return "はい"
    if value is False:
        return "いいえ"
    if value is None or value == "":
        return "（なし）"
    if isinstance(value, list):
        return "、".join(_detail_value(v) for v in value)
    if isinstance(value, dict):
        return "、".join(f"{_detail_key(k)}：{_detail_value(v)}" for k, v in value.items())
    text = str(value)
    if text in DETAIL_VALUES:
        return DETAIL_VALUES[text]
    named = _code_labels().get(text) or _field_names().get(text)
    if named:
        return named
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return wareki(parse_date(text))
        except ValueError:
            return text
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        try:
            label = wareki(parse_date(f"{text}-01"))
            return label[: label.rindex("月") + 1]
        except ValueError:
            return text
    return text


def _code_labels() -> dict[str, str]:
    """Every 区分マスタ code's label (one query per request, see ``codes.code_labels``)."""
    from .codes import code_labels
    from .models import CodeList

    labels: dict[str, str] = {}
    for key in CodeList:
        labels.update(code_labels(key))
    return labels


@functools.cache
def _field_names() -> dict[str, str]:
    """A field's Japanese name by its code name (birth_date → 生年月日), over the project's models."""
    from django.apps import apps

    names: dict[str, str] = {}
    for model in apps.get_models():
        if model.__module__.startswith("tsunagu."):
            for field in model._meta.get_fields():
                label = getattr(field, "verbose_name", None)
                if label and field.name not in names and str(label) != field.name.replace("_", " "):
                    names[field.name] = str(label)
    return names


def _detail_key(key: str) -> str:
    return DETAIL_LABELS.get(key) or _field_names().get(key) or key


def detail_rows(details: Any) -> list[tuple[str, str]]:
    """(Japanese item name, value) for each entry of an audit row's ``details``."""
    if not isinstance(details, dict):
        return [("内容", _detail_value(details))] if details else []
    return [(_detail_key(k), _detail_value(v)) for k, v in details.items()]
