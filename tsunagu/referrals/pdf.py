"""PDF from the same HTML templates as the screens (WeasyPrint + Noto Sans CJK JP).

Nothing is fetched: the URL fetcher refuses every URL, so a template cannot make the server reach
out (総務省 三層の対策). The font is the Debian ``fonts-noto-cjk`` one, embedded (subset) in the PDF.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

FONT_FAMILY = "Noto Sans CJK JP"

PDF_CSS = f"""
@page {{ size: A4; margin: 18mm 16mm 20mm; @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 8pt; }} }}
html {{ font-family: "{FONT_FAMILY}", sans-serif; font-size: 10pt; line-height: 1.6; color: #000; }}
h1 {{ font-size: 15pt; margin: 0 0 4mm; }}
h2 {{ font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 0.5pt solid #000; }}
table {{ width: 100%; border-collapse: collapse; margin: 2mm 0 4mm; }}
th, td {{ border: 0.5pt solid #000; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }}
th {{ background: #eee; font-weight: bold; }}
dl {{ margin: 0; }}
dt {{ font-weight: bold; }}
dd {{ margin: 0 0 2mm 4mm; white-space: pre-wrap; }}
.meta {{ font-size: 8.5pt; color: #333; }}
.note {{ font-size: 8.5pt; border: 0.5pt solid #000; padding: 2mm; }}
"""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"PDF生成では外部の資源を読み込みません: {url[:80]}")


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes (Japanese font embedded)."""
    from weasyprint import CSS, HTML

    html = render_to_string(template_name, context)
    document = HTML(string=html, url_fetcher=_no_fetch, base_url="about:blank")
    return bytes(document.write_pdf(stylesheets=[CSS(string=PDF_CSS)]))
