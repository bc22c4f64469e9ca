"""Charts of the plan-vs-actual as SVG, drawn on the server with matplotlib (no JavaScript).

The data table beside each chart on the page is the real content; a chart is a picture of it with
a Japanese title (``<title>``, ``role="img"``, ``aria-label``). Text is drawn as paths in Noto Sans
CJK JP (Debian ``fonts-noto-cjk``, as the PDFs use), so the SVG needs no font on the viewer's side;
matplotlib also writes each text as a comment, which keeps the numbers findable in the file.

Only the object-oriented API (``Figure`` + ``FigureCanvasSVG``) is used: no pyplot, no GUI backend.
"""

from __future__ import annotations

import functools
import io
import re
import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from .evaluation import MonthlySeries, TargetRow

FONT_FAMILY = "Noto Sans CJK JP"
ACTUAL_COLOUR = "#0031d8"  # デジタル庁デザインシステム blue-900
TARGET_COLOUR = "#b8b8bf"
PRO_RATA_COLOUR = "#c2410c"
TEXT_COLOUR = "#1a1a1c"


@functools.cache
def _matplotlib() -> None:
    """Configure matplotlib once per process: the Japanese font, paths for text, stable ids."""
    import matplotlib
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if FONT_FAMILY not in names:
        # A font cache written before fonts-noto-cjk was installed does not list it: add the files.
        files = set(font_manager.findSystemFonts(fontext="ttf"))  # lists .ttf, .ttc and .otf files
        for path in sorted(p for p in files if "NotoSansCJK" in p.replace("-", "").replace("_", "")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # pragma: no cover - a broken font file
                continue
    matplotlib.rcParams.update(
        {
            "font.family": [FONT_FAMILY, "DejaVu Sans"],
            "font.size": 10,
            "svg.fonttype": "path",
            "svg.hashsalt": "tsunagu-planning",
            "text.color": TEXT_COLOUR,
            "axes.labelcolor": TEXT_COLOUR,
            "xtick.color": TEXT_COLOUR,
            "ytick.color": TEXT_COLOUR,
        }
    )


def _to_svg(fig: object, title: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buf = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None, "Title": title})  # type: ignore[arg-type]
    return _label(buf.getvalue(), title)


def _label(svg: str, title: str) -> str:
    """Give the root element role="img", an aria-label and a <title> (its accessible name)."""
    return re.sub(
        r"<svg\b([^>]*)>",
        lambda m: (
            f'<svg{m.group(1)} role="img" aria-label={quoteattr(title)}>\n <title>{escape(title)}</title>'
        ),
        svg,
        count=1,
    )


def _wrap(label: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(label, width=width)) or label


def targets_chart(rows: Sequence[TargetRow], *, title: str) -> str:
    """Horizontal bars: the annual target and the actual per targeted indicator, with the pro-rata mark."""
    _matplotlib()
    from matplotlib.figure import Figure

    rows = [r for r in rows if r.target is not None]
    n = max(len(rows), 1)
    fig = Figure(figsize=(8.0, 1.2 + 0.62 * n), layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=11)
    if not rows:
        ax.text(0.5, 0.5, "目標値が設定されていません", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _to_svg(fig, title)
    ys = list(range(len(rows)))[::-1]
    height = 0.36
    targets = [r.target or 0 for r in rows]
    actuals = [r.actual for r in rows]
    ax.barh(
        [y + height / 2 for y in ys], targets, height, label="年間の目標", color=TARGET_COLOUR, hatch="//"
    )
    bars = ax.barh([y - height / 2 for y in ys], actuals, height, label="実績", color=ACTUAL_COLOUR)
    ax.bar_label(
        bars, labels=[f"{a}{r.unit}" for a, r in zip(actuals, rows, strict=True)], padding=3, fontsize=9
    )
    pro = [(y, r.pro_rata_target) for y, r in zip(ys, rows, strict=True) if r.pro_rata_target is not None]
    if pro and any(r.pro_rata_target != r.target for r in rows):
        ax.scatter(
            [float(p) for _y, p in pro],
            [y for y, _p in pro],
            marker="|",
            s=400,
            linewidths=2.5,
            color=PRO_RATA_COLOUR,
            label="経過月数に応じた目標",
            zorder=3,
        )
    ax.set_yticks(ys, [_wrap(r.name_ja) for r in rows])
    ax.set_xlabel("件数・人数（年度累計）")
    top = max(targets + actuals + [1])
    ax.set_xlim(0, top * 1.18)
    ax.grid(axis="x", color="#d8d8db", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return _to_svg(fig, title)


def monthly_chart(series: MonthlySeries, *, title: str) -> str:
    """Lines: the cumulative actual by month and the pro-rata target (annual target × months ÷ 12)."""
    _matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, loc="left", fontsize=11)
    xs = list(range(12))
    labels = [p.label for p in series.points]
    shown = [(i, p.cumulative) for i, p in enumerate(series.points) if p.cumulative is not None]
    if series.target is not None:
        ax.plot(
            xs,
            [float(p.pro_rata_target or 0) for p in series.points],
            linestyle="--",
            color=PRO_RATA_COLOUR,
            label=f"目標の按分（年間 {series.target}{series.unit}）",
        )
    if shown:
        ax.plot(
            [i for i, _v in shown],
            [v for _i, v in shown],
            marker="o",
            color=ACTUAL_COLOUR,
            linewidth=2,
            label="実績の累計",
        )
        last_i, last_v = shown[-1]
        ax.annotate(f"{last_v}{series.unit}", (last_i, last_v), textcoords="offset points", xytext=(6, 6))
    else:
        ax.text(0.5, 0.5, "この年度はまだ始まっていません", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks(xs, labels)
    highest = max([v for _i, v in shown] + [series.target or 0, 1])
    ax.set_ylim(0, highest * 1.15)
    ax.set_ylabel(f"累計（{series.unit}）")
    ax.grid(axis="y", color="#d8d8db", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return _to_svg(fig, title)
