"""Running one import job (the background task's body).

1. The file is read (``core.tabular``) and every row parsed (``validation.parse_row``); for
   persons, duplicate candidates against the persons the user may see are found in one read
   (``persons_visible_to``, scored by ``persons.normalize.score_candidate``, audited as a search)
   and duplicates inside the file are found; for open cases and past support records, each row's
   person (or case), 区分マスタ codes and staff are found in one read of the agency's persons
   (``_match_rows``, audited as a search). Progress (``processed``/``total``, status 確認中) is
   saved every ``PROGRESS_EVERY`` rows — this phase is outside any transaction.
2. Every row without an error goes through the same domain service as the screens, all in **one**
   ``transaction.atomic()``: persons through ``person_create_many`` (the rules of
   ``person_create``, inserted in chunks; a row it refuses gets its errors beside it);
   ``partner_agency_create``, ``intake_register`` (and ``intake_record_application``) and
   ``record_create`` row by row in a savepoint each; ``housing_rule_table_propose`` per table.
   A dry run, or a real run with any row in error, rolls the whole transaction back: nothing of
   the file is written (all-or-nothing per file). A real run without errors commits, with one
   audit row per imported record naming the job and the file (name, sha256), never the values.
3. The job keeps the counts and the per-row report; when a real run ends, the uploaded bytes are
   deleted and the typed values removed from the report (row numbers and errors stay).

Progress of the write phase (status 書き込み中, ``processed`` counted again from 0): what the write
transaction saves is invisible to the progress page until it commits, and the cache is the
database (``DatabaseCache`` on the same connection), so ``_WriteProgress`` keeps the count
outside that transaction. On PostgreSQL it updates ``processed`` of the job through a second
connection in autocommit (the transaction never writes the job's row, so nothing waits). SQLite
has one writer per database file — a second connection would wait for the transaction — so the
count goes to a small file, ``VAR_DIR/import-progress/<job id>``: an SQLite install has the
web application and the worker on the one host that holds the database file, with the same
``VAR_DIR``. ``processed_now`` reads it for the progress page and the API; when the phase ends
the job's own count is saved and the file removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from tsunagu.cases.intake_sheet import B_SHEET_FIELDS, B_SHEET_LISTS
from tsunagu.cases.models import Case, SupportRecord
from tsunagu.cases.selectors import cases_visible_to
from tsunagu.cases.services import (
    RECORD_FIELDS,
    OpenCaseExists,
    intake_record_application,
    intake_register,
    open_case_of,
    record_create,
)
from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.models import AuditAction, CodeList
from tsunagu.core.tabular import Table, TableError, read_table
from tsunagu.organizations.guards import FORBIDDEN, AccessDenied
from tsunagu.organizations.models import Municipality, User
from tsunagu.persons import normalize
from tsunagu.persons.models import Person
from tsunagu.persons.selectors import persons_visible_to
from tsunagu.persons.services import person_create_many
from tsunagu.programs.models import GradeArea
from tsunagu.programs.services.housing_rules import housing_rule_table_propose
from tsunagu.referrals.partner_services import partner_agency_create, partner_municipalities_for

from .models import ImportJob, ImportKind, ImportStatus
from .validation import (
    COLUMNS,
    auto_mapping,
    code_lookup,
    code_of,
    codes_of,
    label_of,
    missing_required,
    parse_row,
)

PROGRESS_EVERY = 250
DUPLICATE_MIN_SCORE = 0.6


class _Rollback(Exception):
    """Raised to undo the whole file (dry run, or a row in error)."""


def _field_label(kind: str, key: str) -> str:
    label = label_of(kind, key)
    return "" if label == key else label


def _messages(kind: str, exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        out = []
        for key, errs in exc.message_dict.items():
            label = _field_label(kind, key)
            out += [f"{label}：{m}" if label else m for m in errs]
        return out
    return list(exc.messages)


def _notes(table: Table) -> list[str]:
    notes = []
    names = {
        "utf-8-sig": "UTF-8（BOM付き）",
        "utf-8": "UTF-8",
        "cp932": "Shift_JIS",
        "mixed": "行ごとに異なる文字コード（UTF-8 と Shift_JIS の混在）",
        "xlsx": "Excel（.xlsx）",
    }
    notes.append(
        f"ファイルの形式：{names.get(table.encoding, table.encoding)}。見出しは{table.header_row}行目。"
    )
    if table.blank_rows:
        shown = "、".join(str(n) for n in table.blank_rows[:20])
        more = f" ほか{len(table.blank_rows) - 20}行" if len(table.blank_rows) > 20 else ""
        notes.append(f"空の行は読み飛ばしました（{shown}行目{more}）。")
    if table.merged:
        shown = "、".join(table.merged[:20])
        notes.append(f"結合されたセル（{shown}）は、左上のセルの値をすべての行に補って読みました。")
    return notes


def _progress(job: ImportJob, processed: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(processed=processed)


def _progress_file(job_pk: int) -> Path:
    return Path(settings.VAR_DIR) / "import-progress" / str(job_pk)


class _WriteProgress:
    """The write phase's count, saved where the progress page sees it during the transaction
    (see the module docstring). Called with the number of rows of the file handled so far."""

    def __init__(self, job: ImportJob, hook: Callable[[int], None] | None = None) -> None:
        self.job_pk = job.pk
        self.hook = hook
        self.other = connection.copy() if connection.vendor == "postgresql" else None
        if self.other is None:
            _progress_file(self.job_pk).parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, processed: int) -> None:
        if self.other is not None:
            with self.other.cursor() as cursor:  # ImportJob's table (its default db_table)
                cursor.execute(
                    "UPDATE imports_importjob SET processed = %s WHERE id = %s", [processed, self.job_pk]
                )
        else:
            path = _progress_file(self.job_pk)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(str(processed))
            tmp.replace(path)  # atomic: a reader sees the old count or the new one
        if self.hook is not None:
            self.hook(processed)

    def close(self) -> None:
        """After the transaction (the job's own ``processed`` is then saved by ``_finish``)."""
        if self.other is not None:
            self.other.close()
        else:
            _progress_file(self.job_pk).unlink(missing_ok=True)


def processed_now(job: ImportJob) -> int:
    """The rows handled so far in the job's current phase, as the progress page shows them."""
    if job.status == ImportStatus.WRITING and connection.vendor != "postgresql":
        try:
            return int(_progress_file(job.pk).read_text())
        except (OSError, ValueError):
            pass  # not started yet, or already saved on the job
    return job.processed


def _batch_candidates(
    job: ImportJob, actor: User, entries: list[dict[str, Any]], values: list[dict[str, Any]]
) -> None:
    """Duplicate candidates for every row against the persons ``actor`` may see, in one read.

    ``persons_visible_to`` gives the scope; candidates are the persons that share a row's
    フリガナ key, 漢字氏名 key, phone or birth date, and each is scored by the persons app's one
    scoring function (``normalize.score_candidate``). The contact fields of a restricted person
    (閲覧制限) are never compared. Every candidate reported is one SEARCH audit row (like the
    screen's duplicate check), never with the values typed.
    """
    rows = persons_visible_to(actor).values_list(
        "pk",
        "agency_id",
        "municipality_id",
        "name",
        "kana",
        "birth_date",
        "phone",
        "address",
        "is_restricted",
    )
    people: dict[int, tuple[Any, ...]] = {}
    index: dict[tuple[str, Any], list[int]] = {}
    for r in rows.iterator(chunk_size=2000):
        pk, _, _, name, kana, birth, phone, address, restricted = r
        people[pk] = r
        for key in (
            ("kana", normalize.kana_key(kana)),
            ("name", normalize.name_key(name)),
            ("birth", birth),
            ("phone", "" if restricted else normalize.phone_key(phone)),
        ):
            if key[1]:
                index.setdefault(key, []).append(pk)
    keys_of: dict[int, normalize.PersonKeys] = {}
    found: dict[int, Person] = {}
    for i, (entry, v) in enumerate(zip(entries, values, strict=True), start=1):
        if not entry["errors"] and people:
            query = normalize.PersonKeys.from_values(
                kana=v.get("kana") or "",
                name=v.get("name") or "",
                birth_date=v.get("birth_date"),
                phone=v.get("phone") or "",
                address=v.get("address") or "",
            )
            pks: set[int] = set()
            for key in (
                ("kana", query.kana_key),
                ("name", query.name_key),
                ("birth", query.birth_date),
                ("phone", query.phone_key),
            ):
                if key[1]:
                    pks.update(index.get(key, ()))
            scored = []
            for pk in pks:
                if pk not in keys_of:
                    _, _, _, name, kana, birth, phone, address, restricted = people[pk]
                    keys_of[pk] = normalize.PersonKeys.from_values(
                        kana=kana,
                        name=name,
                        birth_date=birth,
                        phone="" if restricted else phone,
                        address="" if restricted else address,
                    )
                score, reasons = normalize.score_candidate(query, keys_of[pk])
                if score >= DUPLICATE_MIN_SCORE:
                    scored.append((-score, pk, reasons))
            scored.sort()
            entry["duplicates"] = [
                {"person_id": pk, "score": round(-neg, 2), "reasons": reasons}
                for neg, pk, reasons in scored[:3]
            ]
            for _, pk, _ in scored[:3]:
                r = people[pk]
                found.setdefault(pk, Person(pk=pk, agency_id=r[1], municipality_id=r[2]))
        if i % PROGRESS_EVERY == 0:
            _progress(job, i)
    details = {
        "via": f"import:{job.pk}",
        "keys": ["birth_date", "kana", "name", "phone"],
        "results": len(found),
    }
    if found:
        audit_record_many(
            actor=actor, action=AuditAction.SEARCH, objects=list(found.values()), details=details
        )
    else:
        audit_record(actor=actor, action=AuditAction.SEARCH, object_type="person", details=details)


def _in_file_duplicates(entries: list[dict[str, Any]], values: list[dict[str, Any]]) -> None:
    """Rows of the same file that look like the same person (same name or フリガナ and birth date)."""
    seen: dict[tuple[str, Any], int] = {}
    for entry, v in zip(entries, values, strict=True):
        if entry["errors"]:
            continue
        for key in (
            ("name", normalize.name_key(v.get("name")), v.get("birth_date")),
            ("kana", normalize.kana_key(v.get("kana")), v.get("birth_date")),
        ):
            if not key[1]:
                continue
            first = seen.setdefault((key[0] + key[1], key[2]), entry["row"])
            if first != entry["row"]:
                entry["same_as_row"] = first
                break


def _person_values(v: dict[str, Any], munis: dict[str, Municipality]) -> dict[str, Any]:
    code = v.get("municipality_code")
    if code and code not in munis:
        raise ValidationError({"municipality_code": "担当区域外の自治体の団体コードです。"})
    person_values = {k: v.get(k) or "" for k in ("name", "kana", "gender", "postal_code", "address", "phone")}
    person_values["birth_date"] = v.get("birth_date")
    return person_values


def _write_persons(
    job: ImportJob,
    actor: User,
    entries: list[dict[str, Any]],
    parsed: list[dict[str, Any]],
    munis: dict[str, Municipality],
    progress: _WriteProgress,
) -> list[models.Model]:
    """相談者: every row without an error through ``person_create_many`` (the rules of
    ``person_create``, inserted in chunks); a row it refuses gets its errors beside it.
    ``progress`` gets the rows of the file handled after each chunk."""
    todo: list[tuple[int, dict[str, Any]]] = []  # (index in the file, the person's values)
    for i, (entry, v) in enumerate(zip(entries, parsed, strict=True)):
        if entry["errors"]:
            continue
        try:
            todo.append((i, _person_values(v, munis)))
        except ValidationError as exc:
            entry["errors"] = _messages(job.kind, exc)
    if not todo:
        return []
    results = person_create_many(
        actor=actor,
        rows=[values for _, values in todo],
        progress=lambda n: progress(todo[n - 1][0] + 1 if n else 0),
    )
    created: list[models.Model] = []
    for (i, _), result in zip(todo, results, strict=True):
        if isinstance(result, ValidationError):
            entries[i]["errors"] = _messages(job.kind, result)
        else:
            created.append(result)
            entries[i]["created_id"] = result.pk
    return created


def _write_row(
    job: ImportJob, actor: User, v: dict[str, Any], munis: dict[str, Municipality]
) -> models.Model:
    if job.kind == ImportKind.PARTNERS:
        muni = munis.get(v.get("municipality_code") or "")
        if muni is None:
            raise ValidationError(
                {"municipality_code": "担当区域の自治体ではない（または登録のない）団体コードです。"}
            )
        values = {k: v.get(k) or "" for k in ("name", "agency_type", "address", "phone", "area", "notes")}
        return partner_agency_create(actor=actor, municipality=muni, values=values)
    if job.kind == ImportKind.CASES:
        return _write_case(actor, v)
    if job.kind == ImportKind.RECORDS:
        return _write_record(actor, v)
    raise ValueError(job.kind)  # 相談者: _write_persons; 基準額表: a whole table per date (_propose_tables)


def _grade_code(text: Any) -> str:
    """級地 as written in a file (「3級地-1」, 「3-1」, full-width already folded) → its code."""
    text = str(text or "").strip().replace("級地", "").replace("ー", "-").replace("－", "-")
    return text if text in GradeArea.values else (str(text) and str(text) + "?")


def _propose_tables(
    job: ImportJob, actor: User, entries: list[dict[str, Any]], parsed: list[dict[str, Any]]
) -> list[models.Model]:
    """住居確保給付金の基準額表: the rows of one 適用開始日 are one table, proposed for review
    (``housing_rule_table_propose``); nothing is in force until the officer confirms it
    (``housing_rule_table_approve``). The service's errors go back beside their rows."""
    if any(e["errors"] for e in entries):
        return []
    groups: dict[Any, list[int]] = {}
    for i, v in enumerate(parsed):
        groups.setdefault(v.get("effective_from"), []).append(i)
    drafts: list[models.Model] = []
    for effective_from, idx in groups.items():
        rows = [
            {
                "household_size": parsed[i].get("household_size"),
                "base_amount": parsed[i].get("base_amount"),
                "rent_cap": parsed[i].get("rent_cap"),
                "asset_limit": parsed[i].get("asset_limit"),
                "grade_area": _grade_code(parsed[i].get("grade")),
                "applies_to_larger": bool(parsed[i].get("applies_to_larger")),
            }
            for i in idx
        ]
        try:
            draft = housing_rule_table_propose(
                actor=actor,
                municipality=job.municipality,
                effective_from=effective_from,
                rows=rows,
                source=str(next((parsed[i].get("source") for i in idx if parsed[i].get("source")), "")),
                note=f"スプレッドシートからの取り込み（{job.file_name}）",
                origin="import",
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                match = re.match(r"row_(\d+)_", key)
                at = idx[int(match.group(1)) - 1] if match and int(match.group(1)) <= len(idx) else idx[0]
                entries[at]["errors"].extend(messages)
            continue
        drafts.append(draft)
        for i in idx:
            entries[i]["created_id"] = draft.pk
    return drafts


# --- 継続中のケース・過去の支援経過記録 ----------------------------------------------------
#
# A row names a person already registered (persons first, then cases, then records) by フリガナ
# or 氏名 and 生年月日, compared after the persons app's normalisation (``normalize.kana_key``,
# ``normalize.name_key``), among the persons ``actor`` may see in the actor's own agency only: a
# person of another agency is "not registered". The matching runs before the write transaction
# (so its SEARCH audit rows stay after a dry run); the writes go through the screens' services
# (``intake_register``, ``intake_record_application``, ``record_create``).

NO_PERSON = "該当する相談者が登録されていません。先に相談者を取り込んでください。"
NO_KEYS = "フリガナか氏名のどちらかと、生年月日を入力してください。"
NO_OPEN_CASE = (
    "この相談者には継続中のケースがありません。先にケースを取り込むか、ケース番号で指定してください。"
)
NO_CASE = "このケース番号のケースは自機関にありません。"
CASE_PERSON_MISMATCH = "ケース番号の相談者と、フリガナ・氏名・生年月日が一致しません。"
CASE_OPEN_MESSAGE = "この相談者には継続中のケースがあります（ケース番号 {number}）。"
#: 相談方法 when the file has none: 「その他」 (the 申込票 requires one; the file does not say which).
DEFAULT_INTAKE_METHOD = "other"
#: 相談した人 when the file has none: 「本人」, the 受付 screen's initial value.
DEFAULT_CONSULTER_TYPE = "self"


class _Staff:
    """The agency's case staff (``User.objects.case_staff_of``) by login name or 氏名."""

    def __init__(self, actor: User) -> None:
        self.by_login: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for u in User.objects.case_staff_of(actor.agency_id):
            self.by_login[u.username.casefold()] = u
            if u.display_name:
                self.by_name.setdefault(normalize.name_key(u.display_name), []).append(u)

    def find(self, text: str, label: str) -> User | None:
        text = (text or "").strip()
        if not text:
            return None
        user = self.by_login.get(text.casefold())
        if user is not None:
            return user
        found = self.by_name.get(normalize.name_key(text), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(f"{label}「{text}」に当たる職員が複数います。ログイン名で入力してください。")
        raise ValueError(
            f"{label}「{text}」は自機関の相談支援員等に見つかりません。ログイン名か氏名で入力してください。"
        )


class _People:
    """The persons of the actor's agency that the actor may see, indexed by (key, 生年月日)."""

    def __init__(self, actor: User) -> None:
        self.index: dict[tuple[str, str, Any], set[int]] = {}
        self.stubs: dict[int, Person] = {}
        rows = (
            persons_visible_to(actor)
            .filter(agency=actor.agency)
            .values_list("pk", "agency_id", "municipality_id", "name", "kana", "birth_date")
        )
        for pk, agency_id, muni_id, name, kana, birth in rows.iterator(chunk_size=2000):
            if birth is None:
                continue
            self.stubs[pk] = Person(pk=pk, agency_id=agency_id, municipality_id=muni_id)
            for key in (("kana", normalize.kana_key(kana)), ("name", normalize.name_key(name))):
                if key[1]:
                    self.index.setdefault((key[0], key[1], birth), set()).add(pk)
        self.reported: set[int] = set()

    def candidates(self, v: dict[str, Any]) -> set[int] | None:
        """The persons the row's keys name (None when the row has no keys)."""
        birth = v.get("birth_date")
        kana, name = normalize.kana_key(v.get("kana")), normalize.name_key(v.get("name"))
        if birth is None or not (kana or name):
            return None
        by_kana = self.index.get(("kana", kana, birth), set()) if kana else set()
        by_name = self.index.get(("name", name, birth), set()) if name else set()
        if kana and name:
            return (by_kana & by_name) or (by_kana | by_name)
        return by_kana or by_name

    def one(self, v: dict[str, Any]) -> int:
        """The one person the row names; ValueError (not found, ambiguous: ids only)."""
        found = self.candidates(v)
        if found is None:
            raise ValueError(NO_KEYS)
        if not found:
            raise ValueError(NO_PERSON)
        self.reported.update(found)
        if len(found) > 1:
            ids = "、".join(str(pk) for pk in sorted(found))
            raise ValueError(
                f"フリガナ・氏名・生年月日が同じ相談者が{len(found)}人います（相談者ID：{ids}）。"
                "相談者の画面で確かめ、フリガナと氏名の両方を入力してください。"
            )
        return next(iter(found))


def _load_persons(actor: User, pks: set[int]) -> dict[int, Person]:
    out: dict[int, Person] = {}
    ordered = sorted(pks)
    for i in range(0, len(ordered), 500):
        qs = (
            persons_visible_to(actor)
            .filter(pk__in=ordered[i : i + 500])
            .select_related("agency", "municipality")
        )
        out.update({p.pk: p for p in qs})
    return out


_CASE_CODE_LISTS = {
    "route": CodeList.REFERRAL_ROUTE,
    "topics": CodeList.CONSULTATION_TOPIC,
    "method": CodeList.CONSULTATION_METHOD,
    "consulter_type": CodeList.CONSULTER_TYPE,
    **B_SHEET_LISTS,  # 申込票 B票 (仕事, 住居, 健康保険, 年金): optional, blank stays blank
}
_CASE_DEFAULTS = {"method": DEFAULT_INTAKE_METHOD, "consulter_type": DEFAULT_CONSULTER_TYPE}


def _match_case_row(
    v: dict[str, Any], people: _People, staff: _Staff, lookups: dict[str, dict[str, str]]
) -> list[str]:
    """The row's person, codes and worker into ``v``; every problem found, in column order."""
    errors: list[str] = []
    try:
        v["person_id"] = people.one(v)
    except ValueError as exc:
        errors.append(str(exc))
    for field in _CASE_CODE_LISTS:
        text = str(v.get(field) or "")
        label = label_of(ImportKind.CASES, field)
        try:
            if field == "topics":
                v[field] = codes_of(lookups[field], text, label)
            else:
                v[field] = code_of(lookups[field], text, label) if text else _CASE_DEFAULTS.get(field, "")
        except ValueError as exc:
            errors.append(str(exc))
    try:
        v["worker"] = staff.find(v.get("worker") or "", label_of(ImportKind.CASES, "worker"))
    except ValueError as exc:
        errors.append(str(exc))
    return errors


def _match_record_case(
    actor: User, v: dict[str, Any], people: _People, cases: dict[Any, Case | None]
) -> None:
    """The row's case: by ケース番号 in the agency (any state but 取消), or the person's open case."""
    number = unicodedata.normalize("NFKC", v.get("case_number") or "").strip().upper()
    if number:
        if number not in cases:
            cases[number] = (
                cases_visible_to(actor)
                .filter(agency=actor.agency, case_number=number)
                .select_related("person", "agency", "municipality")
                .first()
            )
        case = cases[number]
        if case is None:
            raise ValueError(NO_CASE)
        named = people.candidates(v)
        if named is not None and case.person_id not in named:
            raise ValueError(CASE_PERSON_MISMATCH)
    else:
        pk = people.one(v)
        if ("person", pk) not in cases:
            person = people.stubs[pk]
            found = open_case_of(person=person, agency=actor.agency_id or 0)
            if found is not None and not cases_visible_to(actor).filter(pk=found.pk).exists():
                found = None
            cases[("person", pk)] = found
        case = cases[("person", pk)]
        if case is None:
            raise ValueError(NO_OPEN_CASE)
    v["case"] = case


def _match_record_row(
    actor: User, v: dict[str, Any], people: _People, staff: _Staff, cases: dict[Any, Case | None]
) -> list[str]:
    """The row's case and staff into ``v``; every problem found."""
    errors: list[str] = []
    try:
        _match_record_case(actor, v, people, cases)
    except ValueError as exc:
        errors.append(str(exc))
    try:
        v["staff"] = staff.find(v.get("staff") or "", label_of(ImportKind.RECORDS, "staff"))
    except ValueError as exc:
        errors.append(str(exc))
    return errors


def _match_rows(
    job: ImportJob, actor: User, entries: list[dict[str, Any]], parsed: list[dict[str, Any]]
) -> None:
    """Cases and records: find each row's person (or case), 区分マスタ codes and staff, in one read
    of the agency's persons; a row that names none (or several) gets its error beside it. The
    persons and cases found are audited as one SEARCH each (ids, never the values typed)."""
    people = _People(actor)
    staff = _Staff(actor)
    municipality = actor.agency.municipality_id if actor.agency is not None else None
    lookups = {f: code_lookup(lst, municipality) for f, lst in _CASE_CODE_LISTS.items()}
    cases: dict[Any, Case | None] = {}
    for entry, v in zip(entries, parsed, strict=True):
        if entry["errors"]:
            continue
        if job.kind == ImportKind.CASES:
            entry["errors"].extend(_match_case_row(v, people, staff, lookups))
        else:
            entry["errors"].extend(_match_record_row(actor, v, people, staff, cases))
    if job.kind == ImportKind.CASES:
        persons = _load_persons(actor, {v["person_id"] for v in parsed if v.get("person_id")})
        for entry, v in zip(entries, parsed, strict=True):
            if not entry["errors"] and v.get("person_id") is not None:
                person = persons.get(v["person_id"])
                if person is None:
                    entry["errors"].append(NO_PERSON)
                v["person"] = person
    details = {
        "via": f"import:{job.pk}",
        "keys": ["birth_date", "kana", "name"],
        "results": len(people.reported),
    }
    found = [people.stubs[pk] for pk in sorted(people.reported)]
    if found:
        audit_record_many(actor=actor, action=AuditAction.SEARCH, objects=found, details=details)
    else:
        audit_record(actor=actor, action=AuditAction.SEARCH, object_type="person", details=details)
    matched = list({c.pk: c for c in cases.values() if c is not None}.values())
    if matched:
        audit_record_many(
            actor=actor,
            action=AuditAction.SEARCH,
            objects=matched,
            details={"via": f"import:{job.pk}", "keys": ["case_number", "person"], "results": len(matched)},
        )


def _write_case(actor: User, v: dict[str, Any]) -> models.Model:
    """One open case through ``intake_register`` (and ``intake_record_application`` for 利用申込日),
    in a savepoint so that a row refused half-way leaves nothing."""
    values = {
        "received_at": v.get("received_at"),
        "method": v.get("method"),
        "consulter_type": v.get("consulter_type"),
        "consulter_name": v.get("consulter_name") or "",
        "route": v.get("route"),
        "topics": v.get("topics") or [],
        "chief_complaint": v.get("chief_complaint") or "",
        **{f: v.get(f) or "" for f in B_SHEET_FIELDS},
    }
    with transaction.atomic():
        try:
            case = intake_register(
                actor=actor, person=v["person"], values=values, assigned_worker=v.get("worker")
            )
        except OpenCaseExists as exc:
            raise ValidationError(CASE_OPEN_MESSAGE.format(number=exc.case.case_number)) from exc
        if v.get("applied_on") is not None:
            case = intake_record_application(actor=actor, case=case, applied_on=v["applied_on"])
    return case


def _write_record(actor: User, v: dict[str, Any]) -> models.Model:
    """One past 支援経過記録 through ``record_create`` (RECORD_FIELDS), in a savepoint."""
    values = {k: v.get(k) for k in RECORD_FIELDS}
    values["content"] = v.get("content") or ""
    with transaction.atomic():
        return record_create(actor=actor, case=v["case"], values=values)


def _municipalities(job: ImportJob, actor: User) -> dict[str, Municipality]:
    if job.kind in (ImportKind.CASES, ImportKind.RECORDS):
        return {}  # a case's municipality is its person's (``intake_register``)
    if job.kind == ImportKind.PERSONS:
        qs = actor.agency.area() if actor.agency is not None else Municipality.objects.none()
    elif job.kind == ImportKind.PARTNERS:
        qs = partner_municipalities_for(actor)
    else:
        qs = Municipality.objects.filter(pk=job.municipality_id)
    return {m.code: m for m in qs}


def _finish(job: ImportJob, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    for k, v in fields.items():
        setattr(job, k, v)
    job.save()


def purge_values(report: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report without the typed values (row numbers, errors and candidates' ids stay)."""
    return [{k: v for k, v in entry.items() if k != "values"} for entry in report]


def _resolve(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """A mapping keyed by column index; a key may also be the header's text (API)."""
    out: dict[str, str] = {}
    for key, field in (mapping or {}).items():
        if key.isdigit():
            out[key] = field
        elif key.strip() in headers:
            out[str(headers.index(key.strip()))] = field
    return out


def run_job(job_id: int, *, on_write_progress: Callable[[int], None] | None = None) -> ImportJob:
    """Run the job; ``on_write_progress`` (tests) is called after each count of the write phase."""
    job = ImportJob.objects.select_related("created_by", "municipality").get(pk=job_id)
    actor = job.created_by
    # Kept on the instance too: ``_finish`` saves it whole at the end.
    job.status, job.started_at, job.processed = ImportStatus.RUNNING, timezone.now(), 0
    ImportJob.objects.filter(pk=job.pk).update(
        status=job.status, started_at=job.started_at, processed=job.processed
    )
    try:
        table = read_table(bytes(job.file_data), job.file_name)
    except TableError as exc:
        _finish(job, status=ImportStatus.FAILED, message=str(exc), file_data=b"")
        return job
    mapping = _resolve(job.mapping, table.headers) or auto_mapping(job.kind, table.headers)
    comments = [r.number for r in table.rows if r.cells and r.cells[0].startswith("#")]
    table.rows = [r for r in table.rows if not (r.cells and r.cells[0].startswith("#"))]
    job.headers, job.mapping, job.total = table.headers, mapping, len(table.rows)
    job.notes = _notes(table)
    if comments:
        job.notes.append(
            f"「#」で始まる行（記入例・注記）は読み飛ばしました（{'、'.join(map(str, comments[:20]))}行目）。"
        )
    ImportJob.objects.filter(pk=job.pk).update(headers=table.headers, mapping=mapping, total=len(table.rows))
    missing = missing_required(job.kind, mapping)
    if missing:
        _finish(
            job,
            status=ImportStatus.REJECTED,
            message="必須の列が見つかりません：" + "、".join(missing) + "。列の対応を設定してください。",
        )
        return job

    entries: list[dict[str, Any]] = []
    parsed: list[dict[str, Any]] = []
    labels = {c.field: c.label for c in COLUMNS[job.kind]}
    for i, row in enumerate(table.rows, start=1):
        values, typed, errors = parse_row(job.kind, mapping, row.cells)
        if row.error:
            errors.insert(0, row.error)
        entries.append(
            {
                "row": row.number,
                "values": {labels[f]: t for f, t in typed.items()},
                "errors": errors,
                "duplicates": [],
            }
        )
        parsed.append(values)
        if job.kind != ImportKind.PERSONS and i % PROGRESS_EVERY == 0:
            _progress(job, i)
    if job.kind == ImportKind.PERSONS:
        _batch_candidates(job, actor, entries, parsed)
        _in_file_duplicates(entries, parsed)
    elif job.kind in (ImportKind.CASES, ImportKind.RECORDS):
        _match_rows(job, actor, entries, parsed)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.WRITING, processed=0)

    munis = _municipalities(job, actor)
    created: list[models.Model] = []
    committed = False
    progress = _WriteProgress(job, on_write_progress)
    try:
        with transaction.atomic():
            if job.kind == ImportKind.HOUSING_RULES:
                created.extend(_propose_tables(job, actor, entries, parsed))
            elif job.kind == ImportKind.PERSONS:
                created.extend(_write_persons(job, actor, entries, parsed, munis, progress))
            for i, (entry, values) in enumerate(zip(entries, parsed, strict=True), start=1):
                if i % PROGRESS_EVERY == 0 and job.kind != ImportKind.PERSONS:
                    progress(i)
                if entry["errors"] or job.kind in (ImportKind.HOUSING_RULES, ImportKind.PERSONS):
                    continue
                # The services raise ValidationError before they write (or inside their own
                # atomic block), so a refused row leaves the transaction usable.
                try:
                    obj = _write_row(job, actor, values, munis)
                    created.append(obj)
                    entry["created_id"] = obj.pk
                    if isinstance(obj, Case):
                        entry["case_id"] = obj.pk
                    elif isinstance(obj, SupportRecord):
                        entry["case_id"] = obj.case_id
                except ValidationError as exc:
                    entry["errors"] = _messages(job.kind, exc)
            if job.dry_run or any(e["errors"] for e in entries):
                for e in entries:
                    e.pop("created_id", None)  # rolled back: nothing was registered
                    e.pop("case_id", None)
                raise _Rollback
            audit_record_many(
                actor=actor,
                action=AuditAction.CREATE,
                objects=created,
                details={
                    "via": "import",
                    "import_job": job.pk,
                    "kind": job.kind,
                    "file": job.file_name,
                    "sha256": job.file_sha256,
                },
            )
            committed = True
    except _Rollback:
        pass
    except AccessDenied:
        _finish(job, status=ImportStatus.FAILED, message=FORBIDDEN, file_data=b"", report=[], processed=0)
        return job
    except Exception:
        # Nothing was written (the transaction was rolled back); the job must not stay 書き込み中.
        _finish(
            job,
            status=ImportStatus.FAILED,
            message="取り込みの途中でシステムの誤りが起きたため、何も取り込んでいません。管理者に連絡してください。",
            report=[],
        )
        raise
    finally:
        progress.close()

    bad_rows = sum(1 for e in entries if e["errors"])
    if committed:
        status, message = ImportStatus.DONE, f"{len(created)}件を取り込みました。"
    elif bad_rows:
        status = ImportStatus.REJECTED
        message = f"{bad_rows}行に誤りがあります。" + (
            "何も取り込んでいません。ファイルを直して、もう一度アップロードしてください。"
            if not job.dry_run
            else "直してから取り込んでください。"
        )
    else:
        status, message = ImportStatus.CHECKED, f"{len(entries)}行すべて取り込めます。"
    real = not job.dry_run
    _finish(
        job,
        status=status,
        message=message,
        processed=len(entries),
        ok_count=len(entries) - bad_rows,
        error_count=bad_rows,
        imported_count=len(created) if committed else 0,
        report=purge_values(entries) if real else entries,
        values_purged=real,
        file_data=b"" if real else job.file_data,
    )
    return job
