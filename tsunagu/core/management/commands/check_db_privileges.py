"""manage.py check_db_privileges: the application's database role cannot undo the audit trail.

Run it with the settings the application runs with (the same DATABASE_URL, i.e. the application
role). On PostgreSQL it reports, in Japanese, and exits non-zero when the role:
- is a superuser, or may bypass row security;
- owns a table, view or sequence (directly or through a role it belongs to): an owner may
  ``ALTER TABLE … DISABLE TRIGGER`` and drop the append-only triggers;
- holds TRUNCATE (TRUNCATE fires no row trigger), TRIGGER, UPDATE or DELETE on an append-only
  table (the audit trail, the disclosure register, the 住居確保給付金 rule tables).
See docs/deploy.md for the roles to create. On SQLite there are no roles: it says so and exits 0.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from tsunagu.core.models import AppendOnlyModel

# Append-only tables named here as well, so that the check covers them whichever base they use.
APPEND_ONLY_TABLES = (
    "core_auditevent",
    "referrals_disclosure",
    "programs_housingbenefitruletable",
    "programs_jobsearchrequirement",
)
FORBIDDEN_PRIVILEGES = ("TRUNCATE", "TRIGGER", "UPDATE", "DELETE")


def append_only_tables() -> list[str]:
    tables = set(APPEND_ONLY_TABLES)
    tables.update(
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, AppendOnlyModel) and not m._meta.proxy and m._meta.managed
    )
    return sorted(tables)


def privilege_problems(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """What the connected role may do that it must not (empty: the set-up is right)."""
    connection = connections[using]
    problems: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        role, is_super, bypass_rls = cursor.fetchone()
        if is_super:
            problems.append(
                f"ロール {role} はスーパーユーザーです。アプリケーションは権限を絞ったロールで接続してください。"
            )
        if bypass_rls:
            problems.append(f"ロール {role} は BYPASSRLS 属性を持っています。")
        cursor.execute(
            """
            SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
              AND pg_has_role(current_user, c.relowner, 'USAGE')
            ORDER BY n.nspname, c.relname
            """
        )
        owned = cursor.fetchall()
        if owned and not is_super:
            names = ", ".join(f"{schema}.{name}" for schema, name, _ in owned[:20])
            more = f" ほか{len(owned) - 20}件" if len(owned) > 20 else ""
            problems.append(
                f"ロール {role} は {len(owned)} 件のテーブル等を所有しています（{names}{more}）。"
                "所有者はトリガーを無効化できます。テーブルは別の所有者ロールに持たせてください。"
            )
        for table in append_only_tables():
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:
                continue
            granted = []
            for privilege in FORBIDDEN_PRIVILEGES:
                cursor.execute("SELECT has_table_privilege(current_user, %s, %s)", [table, privilege])
                if cursor.fetchone()[0]:
                    granted.append(privilege)
            if granted and not is_super:
                problems.append(
                    f"ロール {role} は追記のみのテーブル {table} に {', '.join(granted)} 権限を持っています"
                    "（SELECT, INSERT のみにしてください）。"
                )
    return problems


class Command(BaseCommand):
    help = "アプリケーションのデータベースロールが監査ログ等を変更・削除できないことを確認します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        if connections[using].vendor != "postgresql":
            self.stdout.write(
                "PostgreSQL ではないため、ロールの権限は確認しません（SQLite にはロールがありません）。"
            )
            return
        problems = privilege_problems(using)
        if problems:
            raise CommandError("データベース権限に問題があります:\n" + "\n".join(f"- {p}" for p in problems))
        self.stdout.write(
            "データベース権限: 問題はありません（所有するテーブルなし、追記のみのテーブルは SELECT, INSERT のみ）。"
        )
