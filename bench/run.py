#!/usr/bin/env python
"""The benchmark suite (issue 8): eight operations timed on a synthetic data set.

    python bench/run.py --engine postgres --tier M        # tsunagu_bench (created and loaded if needed)
    python bench/run.py --engine sqlite --tier S          # var/bench/bench-S.sqlite3
    python bench/run.py --engine postgres --persons 1000 --ops O1,O3   # one point of the scaling curve

Each operation goes through the real code (selectors, services, views through django.test.Client
with a logged-in, MFA-enrolled account). For each it reports p50/p95 and the ratio of p50 to a
floor measured in the same run: the operation's slowest SQL statement executed raw through the
driver (psycopg / sqlite3), plus, for operations served by a view, a trivial view through the same
middleware stack. Results: bench/results*.json and .md, EXPLAIN ANALYZE of each operation's
slowest statement in bench/explain-*.txt (PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
TARGETS = {"O1": 0.150, "O2": 0.100, "O3": 0.100, "O4": 0.080, "O5": 2.0, "O6": 60.0, "O7": 1.5, "O8": 1.0}
DESCRIPTIONS = {
    "O1": "相談者のあいまい検索（フリガナ：誤字・濁点・小書き・長音）persons.selectors.person_duplicate_candidates",
    "O2": "ケース詳細（直近50件の支援経過記録）GET /cases/<id>/",
    "O3": "担当者のダッシュボード GET /",
    "O4": "支援経過記録の保存（監査行つき）cases.services.record_create",
    "O5": "1自治体の月次統計 statistics.indicators.compute(Area.municipality, Period.month)",
    "O6": "県の年度統計（バックグラウンド処理）statistics.services.statistics_run_start → tasks",
    "O7": "プランのPDF referrals.services.plan_pdf_render（つなぎに添付する支援調整会議で了承されたプラン）",
    "O8": "「期間Pに相談者Xを閲覧したのは誰か」privacy.selectors.audit_events_search + 50件のページ",
}
VIEW_OPS = {"O2", "O3"}
ITERATIONS = {"O1": 60, "O2": 40, "O3": 40, "O4": 60, "O5": 10, "O6": 3, "O7": 10, "O8": 30}


def say(message: str) -> None:
    print(message, flush=True)


# --- databases ---------------------------------------------------------------------------------


def database_url(engine: str, label: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{ROOT / 'var' / 'bench' / f'bench-{label}.sqlite3'}"
    name = "tsunagu_bench" if label == "M" else f"tsunagu_bench_{label.lower()}"
    return f"{PG_BASE}{name}"


def prepare_database(engine: str, url: str, reload: bool) -> None:
    """Create the database if missing (PostgreSQL: from template0 with LC_CTYPE C.UTF-8, so that
    pg_trgm and collations handle Japanese; see scripts/pg_prepare_test_db.py)."""
    if engine == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if reload:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reload:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                ).format(sql.Identifier(name))
            )


def ensure_loaded(sizes: Any, args: argparse.Namespace) -> float | None:
    """Migrate; load the synthetic data unless this database already holds this size."""
    from django.core.management import call_command

    from tsunagu.demo.synthetic.organizations import SLUG_PREFIX
    from tsunagu.persons.models import Person

    call_command("migrate", verbosity=0)
    loaded = Person.objects.count()
    if Person.objects.filter(created_by__username__startswith=SLUG_PREFIX).exists():
        if abs(loaded - sizes.persons) > 10:
            raise SystemExit(
                f"このデータベースには相談者 {loaded:,} 人が入っています（期待 {sizes.persons:,}）。--reload で作り直してください。"
            )
        say(f"投入済みのデータを使います（相談者 {loaded:,} 人）")
        return None
    say(f"合成データを投入します: {sizes}")
    started = time.monotonic()
    if args.tier:
        call_command("generate_synthetic", tier=args.tier)
    else:
        call_command("generate_synthetic", persons=args.persons)
    return time.monotonic() - started


# --- timing helpers ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(
    fn: Callable[[int], Any], n: int, *, warmup: int = 2, label: str = "", slow: bool = False
) -> list[float]:
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(warmup + i)
        out.append(time.perf_counter() - t)
        if slow:
            say(f"    {label} {i + 1}/{n}: {out[-1]:.2f} s")
    return out


def slowest_query(fn: Callable[[int], Any], i: int) -> tuple[str, int]:
    """The statement that took longest in one run of ``fn`` (and how many statements it ran)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn(i)
    queries = [
        q for q in captured.captured_queries if q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    if not queries:
        return "", 0
    worst = max(queries, key=lambda q: float(q["time"]))
    return worst["sql"], len(captured.captured_queries)


def raw_sql_floor(sql_text: str, n: int) -> float:
    """p50 of the statement executed raw through the driver, in a transaction rolled back."""
    from django.db import connection, transaction

    if not sql_text:
        return 0.0
    times = []
    for _ in range(n + 2):
        with transaction.atomic():
            raw = connection.cursor().connection.cursor()
            t = time.perf_counter()
            raw.execute(sql_text)
            if raw.description is not None:
                raw.fetchall()
            times.append(time.perf_counter() - t)
            transaction.set_rollback(True)
    return statistics.median(times[2:])


def explain(sql_text: str) -> str:
    from django.db import connection, transaction

    if connection.vendor != "postgresql" or not sql_text:
        return ""
    with transaction.atomic():
        raw = connection.cursor().connection.cursor()
        raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text)
        plan = "\n".join(r[0] for r in raw.fetchall())
        transaction.set_rollback(True)
    return plan


# --- the operations ------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        self.args = args
        user_model = get_user_model()
        self.worker = user_model.objects.get(username="shinjuku-soudan")
        self.privacy = user_model.objects.get(username="shinjuku-privacy")
        self.client = Client()
        self.client.force_login(self.worker)  # the account has TOTP: MfaRequiredMiddleware lets it in
        self.rng = random.Random(8)  # noqa: S311 — deterministic choice of test subjects

    # O1 -----------------------------------------------------------------------------------------
    def setup_o1(self) -> Callable[[int], Any]:
        from tsunagu.demo.synthetic import names as N
        from tsunagu.persons.models import Person
        from tsunagu.persons.selectors import person_duplicate_candidates

        ids = list(
            Person.objects.filter(agency_id=self.worker.agency_id).order_by("id").values_list("id", flat=True)
        )
        chosen = Person.objects.in_bulk(self.rng.sample(ids, min(200, len(ids))))
        queries: list[tuple[int, str, str]] = []
        kinds = ["typo", "dakuten", "small_kana", "long_vowel"]
        for pid in sorted(chosen):
            kind = kinds[len(queries) % len(kinds)]
            variant = N.kana_variant(kind, chosen[pid].kana, self.rng)
            if variant and variant != chosen[pid].kana:
                queries.append((pid, kind, variant))
        self.o1_hits: dict[str, list[int]] = {k: [0, 0] for k in kinds}

        def run(i: int) -> None:
            pid, kind, kana = queries[i % len(queries)]
            found = person_duplicate_candidates(user=self.worker, kana=kana)
            hits = self.o1_hits[kind]
            hits[0] += any(c.person.pk == pid for c in found)
            hits[1] += 1

        return run

    # O2 -----------------------------------------------------------------------------------------
    def setup_o2(self) -> Callable[[int], Any]:
        from django.db.models import Count

        from tsunagu.cases.models import SupportRecord

        case_ids = list(
            SupportRecord.objects.filter(agency_id=self.worker.agency_id, staff=self.worker)
            .values("case_id")
            .annotate(n=Count("id"))
            .filter(n__gte=50)
            .order_by("-case_id")
            .values_list("case_id", flat=True)[:20]
        )
        if not case_ids:
            raise RuntimeError("50件以上の記録があるケースがありません")

        def run(i: int) -> None:
            response = self.client.get(f"/cases/{case_ids[i % len(case_ids)]}/")
            assert response.status_code == 200, response.status_code

        return run

    # O3 -----------------------------------------------------------------------------------------
    def setup_o3(self) -> Callable[[int], Any]:
        def run(i: int) -> None:
            response = self.client.get("/")
            assert response.status_code == 200, response.status_code

        return run

    # O4 -----------------------------------------------------------------------------------------
    def setup_o4(self) -> Callable[[int], Any]:
        from django.utils import timezone

        from tsunagu.cases.models import Case
        from tsunagu.cases.services import record_create

        cases = list(
            Case.objects.filter(assigned_worker=self.worker, state="in_support").order_by("-id")[:20]
        )
        if not cases:
            raise RuntimeError("支援中のケースがありません")

        def run(i: int) -> None:
            record_create(
                actor=self.worker,
                case=cases[i % len(cases)],
                values={
                    "occurred_at": timezone.now() - timedelta(minutes=30),
                    "duration_minutes": 30,
                    "method": "phone",
                    "content": "（ベンチマーク）電話で近況を確認した。",
                    "staff": self.worker,
                    "is_monitoring": False,
                },
            )

        return run

    # O5 -----------------------------------------------------------------------------------------
    def setup_o5(self) -> Callable[[int], Any]:
        from django.db.models import Count

        from tsunagu.organizations.models import Municipality
        from tsunagu.statistics.indicators import Area, Period, compute

        muni = (
            Municipality.objects.annotate(n=Count("persons"))
            .select_related("prefecture")
            .order_by("-n", "code")
            .first()
        )
        assert muni is not None
        area = Area.municipality(muni)
        self.o5_area = muni.name

        def run(i: int) -> None:
            compute(area, Period.month(2026, 10))

        return run

    # O6 -----------------------------------------------------------------------------------------
    def setup_o6(self) -> Callable[[int], Any]:
        from tsunagu.organizations.models import Prefecture, User
        from tsunagu.statistics.indicators import Area
        from tsunagu.statistics.models import RunStatus
        from tsunagu.statistics.services import statistics_run_start

        actor = User.objects.get(username="hasuda-jichitai")
        area = Area.prefecture(Prefecture.objects.get(code="11"))

        def run(i: int) -> None:
            result = statistics_run_start(actor=actor, area=area, fiscal_year_=2025)
            result.refresh_from_db()
            assert result.status == RunStatus.DONE, (result.status, result.error)

        return run

    # O7 -----------------------------------------------------------------------------------------
    def setup_o7(self) -> Callable[[int], Any]:
        from tsunagu.cases.models import SupportPlan
        from tsunagu.referrals.services import plan_pdf_render

        plans = list(
            SupportPlan.objects.filter(case__assigned_worker=self.worker, status="decided")
            .select_related("case__person", "case__agency")
            .order_by("-id")[:10]
        )
        if not plans:
            raise RuntimeError("支援決定済みのプランがありません")

        def run(i: int) -> None:
            plan = plans[i % len(plans)]
            pdf = plan_pdf_render(case=plan.case, plan=plan, partner=None, actor=self.worker)
            assert pdf.startswith(b"%PDF")

        return run

    # O8 -----------------------------------------------------------------------------------------
    def setup_o8(self) -> Callable[[int], Any]:
        from django.core.paginator import Paginator
        from django.db.models import Count

        from tsunagu.cases.models import Case
        from tsunagu.privacy.selectors import audit_events_search

        person_ids = list(
            Case.objects.filter(agency_id=self.privacy.agency_id)
            .values("person_id")
            .annotate(n=Count("id"))
            .order_by("-n", "person_id")
            .values_list("person_id", flat=True)[:20]
        )

        def run(i: int) -> None:
            events = audit_events_search(
                user=self.privacy,
                person_id=person_ids[i % len(person_ids)],
                start=date(2020, 4, 1),
                end=date(2026, 11, 30),
            )
            page = Paginator(events, 50).get_page(1)
            list(page.object_list)

        return run

    def trivial_view(self) -> Callable[[int], Any]:
        def run(i: int) -> None:
            response = self.client.get("/bench/noop/")
            assert response.status_code == 200

        return run


def machine_info() -> dict[str, Any]:
    from django.db import connection

    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT version()")
            db = cur.fetchone()[0].split(" on ")[0]
        else:
            cur.execute("SELECT sqlite_version()")
            db = f"SQLite {cur.fetchone()[0]}"
    return {
        "cores": os.cpu_count(),
        "ram": mem,
        "cpu": platform.processor() or platform.machine(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "database": db,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tier", choices=["S", "M", "L"], default=None)
    parser.add_argument("--persons", type=int, default=None)
    parser.add_argument("--ops", default="O1,O2,O3,O4,O5,O6,O7,O8")
    parser.add_argument("--reload", action="store_true", help="データベースを作り直して投入し直す")
    parser.add_argument("--iterations", type=float, default=1.0, help="反復回数の倍率")
    parser.add_argument("--out", default=None, help="結果ファイル名（bench/ の下、拡張子なし）")
    args = parser.parse_args()
    if args.tier is None and args.persons is None:
        args.tier = "M" if args.engine == "postgres" else "S"
    label = args.tier or f"p{args.persons}"
    url = database_url(args.engine, label)
    prepare_database(args.engine, url, args.reload)
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from tsunagu.demo.synthetic import sizes_for

    sizes = sizes_for(args.tier, args.persons)
    say(f"== ベンチマーク: {args.engine} {label} ({url})")
    load_s = ensure_loaded(sizes, args)
    bench = Bench(args)
    ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    view_floor = statistics.median(timed(bench.trivial_view(), 50, warmup=5))
    say(f"  trivial view p50 {view_floor * 1000:.1f} ms")
    results: dict[str, Any] = {}
    explains: list[str] = []
    for op in ops:
        say(f"-- {op} {DESCRIPTIONS[op]}")
        try:
            fn = getattr(bench, f"setup_{op.lower()}")()
        except (ImportError, RuntimeError, LookupError) as exc:
            say(f"   未実行: {type(exc).__name__}: {exc}")
            results[op] = {"skipped": f"{type(exc).__name__}: {exc}"}
            continue
        n = max(1, round(ITERATIONS[op] * args.iterations))
        load_before = os.getloadavg()[0]
        slow = op in ("O6",)
        times = timed(fn, n, warmup=1 if slow else 3, label=op, slow=slow)
        main_sql, n_queries = slowest_query(fn, n + 10)
        sql_floor = raw_sql_floor(main_sql, 3 if slow else 10)
        floor = sql_floor + (view_floor if op in VIEW_OPS else 0.0)
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        results[op] = {
            "description": DESCRIPTIONS[op],
            "n": n,
            "p50_s": round(p50, 6),
            "p95_s": round(p95, 6),
            "floor_s": round(floor, 6),
            "floor_sql_s": round(sql_floor, 6),
            "floor_view_s": round(view_floor, 6) if op in VIEW_OPS else 0.0,
            "ratio": round(p50 / floor, 1) if floor else None,
            "queries": n_queries,
            "target_p95_s": TARGETS[op],
            "meets_target": p95 <= TARGETS[op],
            "slowest_sql": main_sql[:2000],
            # 1-minute load average before/after: the machine has 2 cores and may be shared.
            "loadavg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        if op == "O1":
            results[op]["found"] = {k: f"{h}/{t}" for k, (h, t) in bench.o1_hits.items()}
        if op == "O5":
            results[op]["area"] = bench.o5_area
        say(
            f"   p50 {p50 * 1000:9.1f} ms  p95 {p95 * 1000:9.1f} ms  floor {floor * 1000:8.1f} ms  "
            f"({n_queries} queries)  target {TARGETS[op] * 1000:.0f} ms {'OK' if p95 <= TARGETS[op] else 'MISSED'}"
        )
        plan = explain(main_sql)
        if plan:
            explains.append(f"== {op} {DESCRIPTIONS[op]}\n-- {main_sql}\n{plan}\n")
    out = {
        "tier": label,
        "engine": args.engine,
        "sizes": {"persons": sizes.persons, "cases": sizes.cases, "records": sizes.records},
        "load_s": round(load_s, 1) if load_s is not None else None,
        "machine": machine_info(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "operations": results,
    }
    name = args.out or (
        "results" if (args.engine, label) == ("postgres", "M") else f"results-{args.engine}-{label}"
    )
    base = ROOT / "bench" / name
    base.with_suffix(".json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    base.with_suffix(".md").write_text(markdown(out))
    if explains:
        (ROOT / "bench" / f"explain-{args.engine}-{label}.txt").write_text("\n".join(explains))
    say(f"結果: {base.with_suffix('.json')} / {base.with_suffix('.md')}")


def markdown(out: dict[str, Any]) -> str:
    m = out["machine"]
    lines = [
        f"# ベンチマーク結果 — {out['engine']} / {out['tier']}",
        "",
        f"相談者 {out['sizes']['persons']:,} / ケース {out['sizes']['cases']:,} / 支援経過記録 {out['sizes']['records']:,}"
        + (f"（投入 {out['load_s']:.0f} 秒）" if out.get("load_s") else ""),
        "",
        f"{m['cores']} cores, RAM {m['ram']}, {m['database']}, Python {m['python']}（{out['measured_at']}）",
        "",
        "| 操作 | p50 | p95 | 目標 (p95) | 下限 (SQL + view) | p50/下限 | クエリ数 | 負荷 | 判定 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]

    def ms(s: float) -> str:
        return f"{s * 1000:,.1f} ms" if s < 10 else f"{s:,.1f} s"

    for op, r in out["operations"].items():
        if "skipped" in r:
            lines.append(f"| {op} | — | — | {ms(TARGETS[op])} | — | — | — | — | 未実行: {r['skipped']} |")
            continue
        floor = f"{ms(r['floor_sql_s'])}" + (f" + {ms(r['floor_view_s'])}" if r["floor_view_s"] else "")
        lines.append(
            f"| {op} | {ms(r['p50_s'])} | {ms(r['p95_s'])} | {ms(r['target_p95_s'])} | {floor} | "
            f"{r['ratio']} | {r['queries']} | {r['loadavg'][0]:.1f}→{r['loadavg'][1]:.1f} | "
            f"{'達成' if r['meets_target'] else '未達'} |"
        )
    lines += [
        "",
        "負荷: 計測前後の1分間ロードアベレージ（2コアの共有マシンでは、ほかの処理の影響を受けます）。",
        "",
        *[f"- {op}: {DESCRIPTIONS[op]}" for op in out["operations"]],
        "",
    ]
    if "O1" in out["operations"] and "found" in out["operations"]["O1"]:
        lines.append(f"O1 で元の相談者が候補に含まれた割合: {out['operations']['O1']['found']}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
