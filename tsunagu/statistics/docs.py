"""docs/statistics-definitions.md, generated from the indicator definitions (one source)."""

from __future__ import annotations

from .creaming import RATES
from .exports import survey_columns
from .indicators import DISTRIBUTIONS_LIST, INDICATORS_LIST


def definitions_markdown() -> str:
    lines = [
        "# 統計の定義（自動生成）",
        "",
        "このページは `tsunagu/statistics/indicators.py` の定義から `python manage.py statistics_doc` で生成しています。",
        "手で編集しないでください（テストが一致を確かめます）。考え方は [statistics.md](statistics.md) を参照。",
        "",
        "## 指標",
        "",
        "| コード | 名称 | 区分 | 集計表での順（指標） | 人口10万人あたり | 定義 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for ind in INDICATORS_LIST:
        lines.append(
            f"| `{ind.code}` | {ind.name_ja} | {ind.section} | {ind.survey_column or '—'} | "
            f"{'あり' if ind.per_100k else '—'} | {ind.definition} |"
        )
    lines += [
        "",
        "## 自治体別集計表の列順（CSV・Excel）",
        "",
        "自治体名、全国地方公共団体コード、人口の後に次の18列が並びます。",
        "",
    ]
    lines += [f"{i}. {c.header}" for i, c in enumerate(survey_columns(), start=1)]
    lines += ["", "## 主な率", "", "| 名称 | 計算 | 分子 | 分母 |", "| --- | --- | --- | --- |"]
    for r in RATES:
        numerator = "＋".join(f"`{c}`" for c in r.numerator)
        lines.append(f"| {r.name_ja} | {r.definition} | {numerator} | `{r.denominator}` |")
    lines += ["", "## 分布（区分ごとの件数）", "", "| コード | 名称 | 定義 |", "| --- | --- | --- |"]
    for d in DISTRIBUTIONS_LIST:
        lines.append(f"| `{d.code}` | {d.name_ja} | {d.definition} |")
    lines.append("")
    return "\n".join(lines)
