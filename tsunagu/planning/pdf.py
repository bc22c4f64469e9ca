"""The plan-vs-actual PDF: the shared PDF look (WeasyPrint + Noto Sans CJK JP) with the charts as images.

The charts are embedded as ``data:`` URLs, so WeasyPrint draws each SVG with its SVG renderer
(inline ``<svg>`` would also pass through the HTML stylesheet). The URL fetcher accepts ``data:``
URLs only: nothing is fetched from a network (総務省 三層の対策), as in ``tsunagu.referrals.pdf``.
"""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string

from tsunagu.referrals.pdf import PDF_CSS


def svg_data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _data_only() -> Any:
    """WeasyPrint's fetcher, allowed the ``data:`` scheme only; anything else stops the rendering."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template_name, context)
    document = HTML(string=html, url_fetcher=_data_only(), base_url="about:blank")
    return bytes(document.write_pdf(stylesheets=[CSS(string=PDF_CSS)]))
