"""Create the PostgreSQL test database so that Japanese fuzzy search works.

pg_trgm ignores Japanese characters when LC_CTYPE is C, so the test database is created
from template0 with a UTF-8 LC_CTYPE, and pytest then reuses it (--reuse-db).
Exit status 1 when the server cannot be reached.
"""

from __future__ import annotations

import sys

import dj_database_url
import psycopg
from psycopg import sql


def main(url: str) -> int:
    cfg = dj_database_url.parse(url)
    test_name = f"test_{cfg['NAME']}"
    params = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "password": cfg.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    try:
        conn = psycopg.connect(**params, autocommit=True)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL に接続できません: {exc}".strip(), file=sys.stderr)
        return 1
    with conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(test_name)))
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            ).format(sql.Identifier(test_name))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
