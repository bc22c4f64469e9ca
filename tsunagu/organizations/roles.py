"""Staff roles and what each may do — the one table (権限表).

``PERMISSIONS`` maps every permission to the roles that hold it. Nothing else grants a
permission, and every permission here is checked by a guard somewhere (a test fails otherwise:
``tests/test_permission_coverage.py``). There is no separate 就労支援 permission: the 就労・増収
records are kept by every caseworker of the case (the monthly survey counts them for every person
the centre supports), so they are gated by ``case.edit`` like the other support records.
``docs/roles.md`` is generated from this table (``manage.py roles_doc``) and a test keeps the
two equal. Which *records* a permission applies to is decided separately, by
the scoping functions in ``scoping.py`` (own agency / own municipality).
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CHIEF_CONSULTANT = "chief_consultant", "主任相談支援員"
    CONSULTANT = "consultant", "相談支援員"
    EMPLOYMENT_SUPPORTER = "employment_supporter", "就労支援員"
    HOUSEHOLD_BUDGET_SUPPORTER = "household_budget_supporter", "家計改善支援員"
    CLERK = "clerk", "事務員"
    CENTER_DIRECTOR = "center_director", "センター長"
    PRIVACY_OFFICER = "privacy_officer", "個人情報管理責任者"
    MUNICIPAL_OFFICER = "municipal_officer", "自治体担当者"
    AUDITOR = "auditor", "監査"
    # 導入と移行: 初期設定 — belongs to neither an agency nor a municipality; sees no personal data.
    SYSTEM_ADMIN = "system_admin", "システム管理者"


# Roles held by staff of a municipality rather than of an agency.
MUNICIPAL_ROLES = frozenset({Role.MUNICIPAL_OFFICER})
# Roles held by an account that belongs to neither an agency nor a municipality.
SITE_ROLES = frozenset({Role.SYSTEM_ADMIN})
# The roles of an agency's staff (a センター長 may give these): never 自治体担当者 or システム管理者.
AGENCY_ROLE_VALUES = frozenset(r.value for r in Role if r not in MUNICIPAL_ROLES | SITE_ROLES)
# Roles that only read.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


class Permission(models.TextChoices):
    DASHBOARD_VIEW = "dashboard.view", "ダッシュボードを見る"
    PERSON_VIEW = "person.view", "相談者・ケースを見る（自機関）"
    PERSON_EDIT = "person.edit", "相談者を登録・更新する"
    PERSON_MERGE = "person.merge", "相談者の名寄せ（統合・取消）"
    CASE_VIEW_ALL = "case.view_all", "機関の全ケースを一覧する"
    CASE_EDIT = "case.edit", "受付・アセスメント・プラン・記録を作成・更新する"
    CASE_ASSIGN = "case.assign", "担当者を割り当てる"
    CASE_CANCEL = "case.cancel", "誤って開いたケースを取消す"
    RESTRICTED_VIEW_ALL = "restricted.view_all", "閲覧制限（DV等）の項目を見る（担当外も）"
    BUDGET_SUPPORT = "budget.edit", "家計改善支援の記録を作成・更新する"
    MEETING_MANAGE = "meeting.manage", "支援調整会議を開催・記録する"
    DECISION_RECORD = "decision.record", "支援決定・確認、給付の支給決定を行う（自治体）"
    RULES_EDIT = "rules.edit", "給付の基準額等の表を編集する（自治体）"
    DISCLOSURE_APPROVE = "disclosure.approve", "法令等による第三者提供を承認する"
    AUDIT_VIEW = "audit.view", "監査ログを照会する"
    STAFF_VIEW = "staff.view", "職員一覧を見る"
    STAFF_MANAGE = "staff.manage", "職員のロック解除・利用停止・再開・パスワードと多要素認証のリセット"
    STATISTICS_VIEW = "statistics.view", "統計を見る"
    STATISTICS_DRILLDOWN = "statistics.drilldown", "統計の内訳（ケース一覧）を開く"
    EXPORT_DEIDENTIFIED = "export.deidentified", "匿名化データを出力する"
    PLAN_ANNUAL_EDIT = "planning.edit", "事業計画を編集する"
    API_USE = "api.use", "APIを使う"
    # 帳票: 支援ケース一覧（様式【4】） and its column layout per municipality
    REPORT_CASE_LIST = "report.case_list", "支援ケース一覧を出力する"
    # 導入と移行: 初期設定
    SITE_MANAGE = "site.manage", "都道府県・自治体・機関・職員アカウントを設定する"
    # 導入と移行: 規程と同意の再取得
    NOTICE_EDIT = "notice.edit", "個人情報の取扱い（規程）を作成・編集する"
    NOTICE_PUBLISH = "notice.publish", "規程を審査して公開する"
    # 導入と移行: 区分マスタ（自治体ごと）
    CODES_EDIT = "codes.edit", "区分マスタを編集する（自治体ごと）"
    # 導入と移行: スプレッドシートからの取り込み
    IMPORT_RUN = "import.run", "スプレッドシートから取り込む"
    # 導入と移行: 委託先の変更（引継ぎ）
    HANDOVER_MANAGE = "handover.manage", "委託先の変更（引継ぎ）を行う"
    # 導入と移行: 保存期間と本人開示
    RETENTION_RULES = "retention.rules", "保存期間を設定する"
    RETENTION_APPROVE = "retention.approve", "保存期間を過ぎた記録の廃棄を承認する"
    SUBJECT_ACCESS_MANAGE = "subject_access.manage", "本人開示請求に対応する"


R = Role
_CASEWORKERS = {R.CHIEF_CONSULTANT, R.CONSULTANT, R.EMPLOYMENT_SUPPORTER, R.HOUSEHOLD_BUDGET_SUPPORTER}
_CENTER = _CASEWORKERS | {R.CLERK, R.CENTER_DIRECTOR, R.PRIVACY_OFFICER}

PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.DASHBOARD_VIEW: frozenset(_CENTER | {R.MUNICIPAL_OFFICER, R.AUDITOR}),
    Permission.PERSON_VIEW: frozenset(_CENTER | {R.AUDITOR}),
    Permission.PERSON_EDIT: frozenset(_CASEWORKERS | {R.CLERK, R.CENTER_DIRECTOR}),
    Permission.PERSON_MERGE: frozenset({R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR}),
    Permission.CASE_VIEW_ALL: frozenset(
        {R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR, R.PRIVACY_OFFICER, R.AUDITOR}
    ),
    Permission.CASE_EDIT: frozenset(_CASEWORKERS | {R.CENTER_DIRECTOR}),
    Permission.CASE_ASSIGN: frozenset({R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR}),
    Permission.CASE_CANCEL: frozenset({R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR}),
    Permission.RESTRICTED_VIEW_ALL: frozenset({R.CENTER_DIRECTOR}),
    Permission.BUDGET_SUPPORT: frozenset({R.HOUSEHOLD_BUDGET_SUPPORTER, R.CHIEF_CONSULTANT}),
    Permission.MEETING_MANAGE: frozenset({R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR}),
    Permission.DECISION_RECORD: frozenset({R.MUNICIPAL_OFFICER}),
    Permission.RULES_EDIT: frozenset({R.MUNICIPAL_OFFICER}),
    Permission.DISCLOSURE_APPROVE: frozenset({R.PRIVACY_OFFICER}),
    Permission.AUDIT_VIEW: frozenset({R.PRIVACY_OFFICER, R.AUDITOR}),
    Permission.STAFF_VIEW: frozenset({R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR, R.PRIVACY_OFFICER, R.AUDITOR}),
    Permission.STAFF_MANAGE: frozenset({R.CENTER_DIRECTOR}),
    Permission.STATISTICS_VIEW: frozenset(
        {R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR, R.MUNICIPAL_OFFICER, R.AUDITOR}
    ),
    Permission.STATISTICS_DRILLDOWN: frozenset({R.CHIEF_CONSULTANT, R.CENTER_DIRECTOR}),
    Permission.EXPORT_DEIDENTIFIED: frozenset({R.CENTER_DIRECTOR, R.PRIVACY_OFFICER, R.MUNICIPAL_OFFICER}),
    Permission.PLAN_ANNUAL_EDIT: frozenset({R.CENTER_DIRECTOR, R.MUNICIPAL_OFFICER}),
    Permission.API_USE: frozenset(_CENTER | {R.MUNICIPAL_OFFICER, R.AUDITOR}),
    # 帳票: the centre reports its cases to the 実施主体; the センター長 and the 自治体担当者 choose the columns
    Permission.REPORT_CASE_LIST: frozenset({R.CENTER_DIRECTOR, R.MUNICIPAL_OFFICER}),
    # 導入と移行: 初期設定 (the システム管理者 alone; it holds no permission on personal data)
    Permission.SITE_MANAGE: frozenset({R.SYSTEM_ADMIN}),
    # 導入と移行: 規程と同意の再取得
    Permission.NOTICE_EDIT: frozenset({R.CENTER_DIRECTOR, R.PRIVACY_OFFICER}),
    Permission.NOTICE_PUBLISH: frozenset({R.PRIVACY_OFFICER}),
    # 導入と移行: 区分マスタ（自治体ごと）
    Permission.CODES_EDIT: frozenset({R.CENTER_DIRECTOR, R.MUNICIPAL_OFFICER}),
    # 導入と移行: スプレッドシートからの取り込み
    Permission.IMPORT_RUN: frozenset({R.CENTER_DIRECTOR, R.CHIEF_CONSULTANT}),
    # 導入と移行: 委託先の変更（引継ぎ）
    Permission.HANDOVER_MANAGE: frozenset({R.MUNICIPAL_OFFICER}),
    # 導入と移行: 保存期間と本人開示
    Permission.RETENTION_RULES: frozenset({R.MUNICIPAL_OFFICER}),
    Permission.RETENTION_APPROVE: frozenset({R.PRIVACY_OFFICER}),
    Permission.SUBJECT_ACCESS_MANAGE: frozenset({R.PRIVACY_OFFICER}),
}

# Anything that writes is refused to read-only roles even if a table row says otherwise.
WRITE_PERMISSIONS = frozenset(
    p for p in Permission if p.value.split(".")[1] not in {"view", "view_all", "drilldown", "use"}
)


def roles_with(permission: Permission) -> frozenset[Role]:
    return PERMISSIONS.get(permission, frozenset())


def has_permission(roles: set[str] | frozenset[str], permission: Permission) -> bool:
    """True when one of ``roles`` grants ``permission``. Deny by default; a read-only role never
    grants a write permission, whatever the table says."""
    granted = PERMISSIONS.get(permission, frozenset())
    for r in roles:
        if r not in Role.values:
            continue
        role = Role(r)
        if role in READ_ONLY_ROLES and permission in WRITE_PERMISSIONS:
            continue
        if role in granted:
            return True
    return False


def roles_doc_markdown() -> str:
    """The permission table as Markdown, for docs/roles.md."""
    roles = list(Role)
    lines = [
        "# ロールと権限（Roles and permissions）",
        "",
        "このページは `tsunagu/organizations/roles.py` の `PERMISSIONS` から "
        "`python manage.py roles_doc` で生成されます。手で編集しないでください。",
        "Generated from `PERMISSIONS`; do not edit by hand (a test compares them).",
        "",
        "どの**記録**に権限が及ぶかは別に決まります（自機関・自自治体のみ。`docs/tenancy.md`）。",
        "",
        "| 権限 | コード | " + " | ".join(r.label for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for perm in Permission:
        cells = ["○" if r in PERMISSIONS.get(perm, frozenset()) else "" for r in roles]
        lines.append(f"| {perm.label} | `{perm.value}` | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)
