"""What a caseworker sees: no English, no 西暦, no internal notes, on every page each demo role reaches.

One demo load; an in-process client per role follows every same-site link from the dashboard
(pages with the same shape — the same path with other ids — are visited a few times only) and
reads the visible text, the option labels, placeholders and titles.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

from tsunagu.demo.data import DEMO_SITE_ADMIN_USERNAME, DEMO_STAFF

# Fragments that must never reach the screen. Model class names come from the app registry.
ENGLISH = [
    "Select an option",
    "---------",
    " object (",
    "This field is required",
    "Enter a valid",
    "Ensure this value",
    "Select a valid choice",
    "Not Found",
    "Forbidden",
    "Page not found",
    "Server Error",
]
ENGLISH_WORDS = re.compile(r"(?<![A-Za-z])(?:None|True|False|Error|null)(?![A-Za-z])")
# A code value shown as it is stored (job_search, no_permission) instead of its label.
RAW_CODE = re.compile(r"(?<![A-Za-z0-9_./@-])[a-z]+(?:_[a-z]+)+(?![A-Za-z0-9_])")
INTERNAL = ["要確認", "TODO", "FIXME", "domain.md", "design.md", "issue #", "Issue #"]
# A 西暦 date: 2026年, 2026-12-03, 2026/12/3 (a 西暦 kept in brackets after the 和暦, as in
# 令和8年12月（2026年12月）, is allowed: the 和暦 is what is read).
SEIREKI = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?:年|-[01][0-9](?![0-9])|/[01]?[0-9]/)")
BRACKETED_SEIREKI = re.compile(r"(?<=[年月度日])（(?:19|20)[0-9]{2}年[^）]{0,8}）")

SKIP_PREFIXES = ("/static/", "/api/", "/accounts/logout", "/admin/")
# Besides the links: a filled-in audit search (its results only show after a search).
START = ["/", "/privacy/audit/?start=R1.5.1"]
PER_SHAPE = 1
MAX_PAGES = 300


class _Text(HTMLParser):
    """Visible text plus the attributes a user reads; the links of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        for name in ("placeholder", "title", "aria-label", "alt"):
            if a.get(name):
                self.chunks.append(a[name] or "")
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.chunks.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def _model_names() -> list[str]:
    from django.apps import apps

    return sorted(
        {
            m.__name__
            for m in apps.get_models()
            if m._meta.app_label.startswith(
                (
                    "core",
                    "organizations",
                    "persons",
                    "network",
                    "cases",
                    "meetings",
                    "referrals",
                    "programs",
                    "privacy",
                    "statistics",
                    "planning",
                )
            )
        }
        - {"Case", "Code", "Person"}  # too short to be meaningful as a fragment; checked via " object ("
    )


def _problems(text: str, models: list[str]) -> list[str]:
    found = [f for f in ENGLISH + INTERNAL if f in text]
    found += ENGLISH_WORDS.findall(text)
    found += RAW_CODE.findall(text)
    text = BRACKETED_SEIREKI.sub("", text)
    found += [m for m in models if re.search(rf"(?<![A-Za-z]){m}(?![A-Za-z])", text)]
    found += [m.group(0) for m in SEIREKI.finditer(text)]
    return found


def crawl(client: Any, models: list[str]) -> tuple[dict[str, list[str]], dict[str, int], dict[str, str]]:
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque((u, "") for u in START)
    referrers: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        url, referrer = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        referrers[url] = referrer
        response = client.get(url, follow=True)
        statuses[url] = response.status_code
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        text = "\n".join(parser.chunks)
        found = _problems(text, models)
        if found:
            lines = [ln for ln in parser.chunks if _problems(ln, models)]
            problems[url] = sorted(set(found)) + lines[:5]
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            shape = _shape(parts.path)
            if target in seen or shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append((target, url))
    return problems, statuses, referrers


def test_every_page_each_demo_role_reaches_is_japanese_and_in_wareki(login: Any) -> None:
    models = _model_names()
    report: dict[str, Any] = {}
    pages = 0
    users = [f"shinjuku-{s.suffix}" for s in DEMO_STAFF] + ["hasuda-jichitai", DEMO_SITE_ADMIN_USERNAME]
    for username in users:
        problems, statuses, referrers = crawl(login(username), models)
        pages += len(statuses)
        broken = {u: (c, referrers[u]) for u, c in statuses.items() if c >= 500}
        if problems or broken:
            report[username] = {"problems": problems, "server errors": broken}
    assert pages > 200
    assert not report, report


def test_the_crawler_sees_what_it_looks_for() -> None:
    """The checks can fail: each kind of fragment is found in a sample page."""
    models = _model_names()
    assert "SupportPlan" in models
    for sample in [
        "<option>- Select an option -</option>",
        "<p>SupportPlan object (3)</p>",
        "<td>None</td>",
        '<input placeholder="Enter a valid date.">',
        "<td>2026-12-03</td>",
        "<td>2026年12月3日</td>",
        "<td>基準額172,000円（要確認）</td>",
        "<td>SupportPlan</td>",
        "<dd>（デモ）job_search、income</dd>",
    ]:
        parser = _Text()
        parser.feed(sample)
        assert _problems("\n".join(parser.chunks), models), sample
    for fine in [
        "<td>令和8年12月3日</td>",
        "<td>令和8年12月（2026年12月）</td>",
        "<td>電話 03-1234-5678</td>",
    ]:
        parser = _Text()
        parser.feed(fine)
        assert not _problems("\n".join(parser.chunks), models), fine
