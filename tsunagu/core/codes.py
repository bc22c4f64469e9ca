"""Reading category lists (区分マスタ). Forms and validators use these, never literals.

A list is the standard list (rows without a municipality, seeded from ``default_codes``) plus, for
one municipality, its own rows: a row with the code of a standard row overrides that row's label,
order and 使用中 for the municipality; a row with a new code adds the municipality's own code. Pass
the municipality of the record (the case's, the intake's); ``None`` means the standard list.

* ``code_choices`` — what a new entry may choose (使用中 only, in order);
* ``valid_codes`` — what a validator accepts (the same codes);
* ``code_labels`` — every label, retired ones too, so old records still show their labels. With no
  municipality it also names every municipality's own codes (an audit row or an export that does
  not know the municipality still reads a label, never a raw code);
* ``standard_code`` / ``counted_as_map`` / ``counted_expression`` / ``counted_contains`` — the
  standard code an own code is counted as in the statistics (``counted_as``), so that national
  figures stay comparable (``docs/statistics.md``「自治体独自の区分」).

During a request every list is read in one query, the first time any is asked for
(``request_context.current_code_labels``); a write through ``masters`` calls ``forget_cached``.

``CODE_USAGES`` is the one table of the fields that store a code of each list (core cannot import
the apps, so it names them as "app_label.Model"). ``usage_count`` counts the records that store a
code; a code in use is never deleted, only retired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.apps import apps
from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.lookups import Exact

from .db import JSONArrayContains
from .models import CodeItem, CodeList
from .request_context import current_code_labels

Row = tuple[
    str, str, str, int, bool, int | None, str
]  # list_key, code, label, order, active, muni, counted_as
_FIELDS = ("list_key", "code", "label", "sort_order", "is_active", "municipality_id", "counted_as")


@dataclass(frozen=True)
class Usage:
    """A field that stores codes of a list: one code (``value``) or a JSON list of codes."""

    model: str
    field: str
    kind: Literal["value", "json_list"]
    municipality_path: str = "municipality_id"


# Every field that stores a code of a list. ``tests/test_code_usages.py`` fails when a form or a
# validator uses a list for a field that is not declared here.
CODE_USAGES: dict[str, list[Usage]] = {
    CodeList.CONSULTATION_METHOD: [Usage("cases.Intake", "method", "value", "case__municipality_id")],
    CodeList.CONSULTER_TYPE: [Usage("cases.Intake", "consulter_type", "value", "case__municipality_id")],
    CodeList.REFERRAL_ROUTE: [Usage("cases.Intake", "route", "value", "case__municipality_id")],
    CodeList.CONSULTATION_TOPIC: [
        Usage("cases.Intake", "topics", "json_list", "case__municipality_id"),
        Usage("cases.Case", "topics", "json_list"),
    ],
    CodeList.URGENCY_FLAG: [Usage("cases.Intake", "urgency_flags", "json_list", "case__municipality_id")],
    CodeList.HOUSING_STATUS: [Usage("persons.Person", "housing_status", "value")],
    CodeList.SCREENING_REFERRAL: [
        Usage("cases.Intake", "screening_referral_to", "value", "case__municipality_id")
    ],
    CodeList.ASSESSMENT_ISSUE: [Usage("cases.Assessment", "issues", "json_list")],
    CodeList.CHANGE_ITEM: [Usage("cases.Evaluation", "changes", "json_list")],
    CodeList.CLOSURE_REASON: [
        Usage("cases.Evaluation", "closure_reason", "value"),
        Usage("cases.Case", "closure_reason", "value"),
    ],
    CodeList.CONTACT_METHOD: [Usage("persons.Person", "contact_method", "value")],
    CodeList.WORK_STATUS: [
        Usage("cases.Intake", "work_status", "value", "case__municipality_id"),
        Usage("cases.Assessment", "work_status", "value"),
        Usage("cases.AssessmentJob", "employment_type", "value", "assessment__municipality_id"),
    ],
    CodeList.HOUSING_TYPE: [Usage("cases.Intake", "housing_type", "value", "case__municipality_id")],
    CodeList.HEALTH_INSURANCE: [Usage("cases.Intake", "health_insurance", "value", "case__municipality_id")],
    CodeList.PENSION_STATUS: [Usage("cases.Intake", "pension_status", "value", "case__municipality_id")],
}

# Lists the statistics count by code (``statistics/indicators.py``): an own code of these lists must
# name the standard code it is counted as.
COUNTED_LISTS: frozenset[str] = frozenset(
    {
        CodeList.REFERRAL_ROUTE,
        CodeList.CONSULTATION_TOPIC,
        CodeList.ASSESSMENT_ISSUE,
        CodeList.CLOSURE_REASON,
        CodeList.WORK_STATUS,
        CodeList.HOUSING_TYPE,
    }
)


def _all_rows() -> list[Row]:
    """Every row of every list: once per request (cached), or one query outside a request."""
    cache = current_code_labels.get()
    if cache is not None and "__rows__" in cache:
        return list(cache["__rows__"]["rows"])
    rows: list[Row] = list(
        CodeItem.objects.order_by("list_key", "sort_order", "code").values_list(*_FIELDS)  # type: ignore[arg-type]
    )
    if cache is not None:
        cache["__rows__"] = {"rows": rows}
    return rows


def forget_cached() -> None:
    """Drop the lists read during this request (after a write of the lists)."""
    cache = current_code_labels.get()
    if cache is not None:
        cache.clear()


def _muni_id(municipality: Any) -> int | None:
    if municipality is None or isinstance(municipality, int):
        return municipality
    return int(municipality.pk)


@dataclass(frozen=True)
class EffectiveCode:
    code: str
    label: str
    sort_order: int
    is_active: bool
    own: bool  # the municipality's own code (not in the standard list)
    overridden: bool  # a standard code whose label/order/使用中 the municipality changed
    counted_as: str


def effective_list(list_key: str, municipality: Any = None) -> list[EffectiveCode]:
    """The list as the municipality uses it (retired codes too), in order."""
    muni = _muni_id(municipality)
    standard: dict[str, EffectiveCode] = {}
    own: dict[str, Row] = {}
    for key, code, label, order, active, row_muni, counted in _all_rows():
        if key != list_key:
            continue
        if row_muni is None:
            standard[code] = EffectiveCode(code, label, order, active, False, False, code)
        elif muni is not None and row_muni == muni:
            own[code] = (key, code, label, order, active, row_muni, counted)
    result = dict(standard)
    for code, (_k, _c, label, order, active, _m, counted) in own.items():
        if code in standard:
            result[code] = EffectiveCode(code, label, order, active, False, True, code)
        else:
            result[code] = EffectiveCode(code, label, order, active, True, False, counted or "")
    return sorted(result.values(), key=lambda c: (c.sort_order, c.code))


def _kept(keep: Any) -> set[str]:
    if keep is None or keep == "":
        return set()
    if isinstance(keep, (list, tuple, set, frozenset)):
        return {str(k) for k in keep}
    return {str(keep)}


def code_choices(
    list_key: CodeList | str, municipality: Any = None, *, keep: Any = None
) -> list[tuple[str, str]]:
    """The codes a new entry may choose (使用中), in order. ``keep`` (the value or values a record
    being corrected already stores) keeps a retired code on offer for that record, so a correction
    never drops it silently."""
    kept = _kept(keep)
    return [
        (c.code, c.label) for c in effective_list(list_key, municipality) if c.is_active or c.code in kept
    ]


def code_labels(list_key: CodeList | str, municipality: Any = None) -> dict[str, str]:
    """All codes of a list with their labels (retired ones too, so old records still show them)."""
    labels = {c.code: c.label for c in effective_list(list_key, municipality)}
    if municipality is None:
        for key, code, label, _order, _active, row_muni, _counted in _all_rows():
            if key == list_key and row_muni is not None:
                labels.setdefault(code, label)
    return labels


def valid_codes(list_key: CodeList | str, municipality: Any = None, *, keep: Any = None) -> set[str]:
    """The codes a validator accepts for a new entry (使用中 only; plus ``keep``, see ``code_choices``)."""
    kept = _kept(keep)
    return {c.code for c in effective_list(list_key, municipality) if c.is_active or c.code in kept}


def counted_as_map(list_key: CodeList | str) -> dict[str, str]:
    """Every municipality's own code of a list → the standard code it is counted as."""
    standard = {code for key, code, *_rest, muni, _c in _all_rows() if key == list_key and muni is None}
    return {
        code: counted
        for key, code, _l, _o, _a, muni, counted in _all_rows()
        if key == list_key and muni is not None and code not in standard and counted
    }


def standard_code(list_key: CodeList | str, code: str) -> str:
    """The standard code under which ``code`` is counted (itself for a standard code)."""
    return counted_as_map(list_key).get(code, code)


def standard_labels(list_key: CodeList | str) -> dict[str, str]:
    """The standard list's labels only (the categories the statistics report)."""
    return {c.code: c.label for c in effective_list(list_key, None)}


def counted_expression(list_key: CodeList | str, field: Any) -> Any:
    """An expression of a one-code field (``"intake__route"`` or an expression) that gives the
    standard code each own code is counted as (``counted_as``); standard codes stay as they are.
    The statistics group by it so that every municipality's figures fall into the national
    categories."""
    expression = F(field) if isinstance(field, str) else field
    mapping = counted_as_map(list_key)
    if not mapping:
        return expression
    whens = [When(Exact(expression, Value(own)), then=Value(std)) for own, std in sorted(mapping.items())]
    return Case(*whens, default=expression, output_field=CharField())


def counted_contains(list_key: CodeList | str, field: str, code: str) -> Q:
    """A JSON list of codes that holds ``code`` or an own code counted as it."""
    q = Q(JSONArrayContains(field, code))
    for own, std in sorted(counted_as_map(list_key).items()):
        if std == code:
            q |= Q(JSONArrayContains(field, own))
    return q


def usage_filter(usage: Usage, codes: Iterable[str]) -> Q:
    codes = list(codes)
    if usage.kind == "value":
        return Q(**{f"{usage.field}__in": codes})
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(JSONArrayContains(usage.field, code))
    return q


def usage_count(list_key: CodeList | str, code: str, municipality: Any = None) -> int:
    """How many records store ``code`` of the list (of the municipality, or anywhere with None)."""
    muni = _muni_id(municipality)
    total = 0
    for usage in CODE_USAGES.get(str(list_key), []):
        model = apps.get_model(usage.model)
        qs = model._default_manager.filter(usage_filter(usage, [code]))
        if muni is not None:
            qs = qs.filter(**{usage.municipality_path: muni})
        total += qs.count()
    return total


def usage_counts(list_key: CodeList | str, codes: Iterable[str], municipality: Any = None) -> dict[str, int]:
    """``usage_count`` for several codes: one query per declared field (not per code)."""
    codes = list(codes)
    muni = _muni_id(municipality)
    counts = dict.fromkeys(codes, 0)
    if not codes:
        return counts
    for usage in CODE_USAGES.get(str(list_key), []):
        model = apps.get_model(usage.model)
        qs = model._default_manager.filter(usage_filter(usage, codes))
        if muni is not None:
            qs = qs.filter(**{usage.municipality_path: muni})
        if usage.kind == "value":
            # Counted in the database, one row per code.
            for code, n in qs.order_by().values_list(usage.field).annotate(n=Count("pk")):
                if code in counts:
                    counts[code] += int(n)
            continue
        aggregates = {
            f"c{i}": Count("pk", filter=Q(JSONArrayContains(usage.field, code)))
            for i, code in enumerate(codes)
        }
        row = qs.aggregate(**aggregates)
        for i, code in enumerate(codes):
            counts[code] += int(row[f"c{i}"] or 0)
    return counts


def ensure_default_codes() -> int:
    """Seed the default category lists where missing (idempotent); returns how many were added.

    The data migration seeds them once; a transactional test (live server, threads) empties every
    table when it ends, so the demo loader calls this too.
    """
    from .default_codes import DEFAULT_CODES

    added = 0
    for list_key, items in DEFAULT_CODES.items():
        for order, (code, label) in enumerate(items, start=1):
            _, created = CodeItem.objects.get_or_create(
                list_key=list_key,
                code=code,
                municipality_id=None,
                defaults={"label": label, "sort_order": order * 10},
            )
            added += int(created)
    forget_cached()
    return added
