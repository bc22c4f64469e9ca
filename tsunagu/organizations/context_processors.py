from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .roles import Permission

# (label, url name, any of these permissions). The menu never offers what would be refused.
NAVIGATION: tuple[tuple[str, str, tuple[Permission, ...]], ...] = (
    ("ダッシュボード", "dashboard:home", (Permission.DASHBOARD_VIEW,)),
    ("ケース一覧", "cases:case_list", (Permission.PERSON_VIEW,)),
    ("相談受付", "cases:intake_start", (Permission.CASE_EDIT,)),
    ("会議", "meetings:meeting_list", (Permission.PERSON_VIEW, Permission.DECISION_RECORD)),
    ("支援決定", "meetings:decisions_pending", (Permission.DECISION_RECORD,)),
    ("つなぎ・第三者提供", "referrals:referral_list", (Permission.PERSON_VIEW,)),
    ("関係機関", "referrals:partner_list", (Permission.PERSON_VIEW, Permission.DASHBOARD_VIEW)),
    (
        "住居確保給付金",
        "programs:housing_application_list",
        (Permission.PERSON_VIEW, Permission.DECISION_RECORD),
    ),
    ("事業の利用", "programs:enrolment_list", (Permission.PERSON_VIEW, Permission.DECISION_RECORD)),
    ("事業計画", "planning:plan_list", (Permission.STATISTICS_VIEW, Permission.PLAN_ANNUAL_EDIT)),
    ("職員", "organizations:staff_list", (Permission.STAFF_VIEW,)),
    ("統計", "statistics:monthly", (Permission.STATISTICS_VIEW,)),
    ("支援ケース一覧", "reports:case_list", (Permission.REPORT_CASE_LIST,)),
    ("匿名化データ出力", "referrals:export", (Permission.EXPORT_DEIDENTIFIED,)),
    ("監査ログ", "privacy:audit_search", (Permission.AUDIT_VIEW,)),
    # 導入と移行: 初期設定 (the システム管理者 only)
    ("初期設定", "setup:home", (Permission.SITE_MANAGE,)),
    # 導入と移行: 規程と同意の再取得
    (
        "規程",
        "privacy:notice_list",
        (Permission.PERSON_VIEW, Permission.NOTICE_EDIT, Permission.NOTICE_PUBLISH),
    ),
    ("区分マスタ", "masters:code_lists", (Permission.CODES_EDIT,)),
    # 導入と移行: スプレッドシートからの取り込み
    ("取り込み", "imports:import_list", (Permission.IMPORT_RUN, Permission.RULES_EDIT)),
    ("委託先の変更", "handovers:handover_list", (Permission.HANDOVER_MANAGE,)),
    # 導入と移行: 保存期間と本人開示
    (
        "保存期間・本人開示",
        "personal_data:home",
        (Permission.RETENTION_RULES, Permission.RETENTION_APPROVE, Permission.SUBJECT_ACCESS_MANAGE),
    ),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the current user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for label, name, perms in NAVIGATION:
        if any(user.can(p) for p in perms):
            url = reverse(name)
            items.append(
                {"label": label, "url": url, "current": path == url or (url != "/" and path.startswith(url))}
            )
    return {"nav_items": items}
