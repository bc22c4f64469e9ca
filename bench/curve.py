#!/usr/bin/env python
"""The scaling curve of O1 and O3 (10³ → 10⁵ persons), from bench/results-postgres-p*.json.

Growth exponent k between two sizes: time ∝ persons^k, k = log(t₂/t₁) / log(n₂/n₁);
k < 1 is sub-linear. Writes bench/curve.json and bench/curve.md.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SIZES = (1_000, 10_000, 100_000)
OPS = ("O1", "O3")


def main() -> None:
    points: dict[str, list[tuple[int, float, float]]] = {op: [] for op in OPS}
    for n in SIZES:
        path = BENCH / f"results-postgres-p{n}.json"
        if not path.exists():
            print(f"{path.name} がありません（make bench-curve を実行してください）")
            continue
        data = json.loads(path.read_text())
        for op in OPS:
            r = data["operations"].get(op)
            if r and "p50_s" in r:
                points[op].append((n, r["p50_s"], r["p95_s"]))
    out: dict[str, object] = {}
    lines = [
        "# 規模に対する伸び（O1・O3、PostgreSQL）",
        "",
        "| 操作 | 相談者数 | p50 | p95 |",
        "| --- | ---: | ---: | ---: |",
    ]
    for op, rows in points.items():
        for n, p50, p95 in rows:
            lines.append(f"| {op} | {n:,} | {p50 * 1000:.1f} ms | {p95 * 1000:.1f} ms |")
    lines += ["", "| 操作 | 伸びの指数 k（p50 ∝ 人数^k）10³→10⁵ | 判定 |", "| --- | ---: | --- |"]
    for op, rows in points.items():
        if len(rows) < 2:
            continue
        (n1, t1, _), (n2, t2, _) = rows[0], rows[-1]
        k = math.log(t2 / t1) / math.log(n2 / n1)
        out[op] = {"points": rows, "exponent": round(k, 3), "sublinear": k < 1}
        lines.append(f"| {op} | {k:.3f} | {'線形未満（達成）' if k < 1 else '線形以上（未達）'} |")
    (BENCH / "curve.json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    (BENCH / "curve.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
