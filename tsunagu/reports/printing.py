"""帳票 (printed forms): every A4 PDF of a person's record through one mechanism.

- ``FORMS`` is the registry of a case's forms: name, title, and how one is built from the case and
  the request's parameters (which version, which period). The modules that define forms register
  them (``forms_case.py``, ``forms_housing.py``, imported by ``apps.py``). The record pages' print
  buttons, ``GET /api/v1/cases/{id}/forms`` and the print views read this one table.
- ``print_form`` scopes the case (``cases.selectors.case_get_for_user``: 404 for absent and for
  not-yours, as everywhere), lets the form find its record inside that case (404 otherwise), renders
  the template with the shared look and writes one PRINT audit row naming the person, the form and
  the record: who printed which person's data.
- The shared look (``PRINT_CSS``, ``templates/reports/pdf/base.html``): A4, the Japanese font
  embedded, the person's name, the case number and 「n / N」 on every page, table rows and signature
  boxes never split across pages, long text wrapped onto the next page, missing values as blank
  lines (the ``blank`` filter of ``reports_print``), and nothing fetched from anywhere
  (``referrals.pdf._no_fetch``).
- 閲覧制限 (DV): ``contact_shown`` is the screens' own rule
  (``persons.policies.restricted_visible_person_ids``); a printed restricted field is audited as
  RESTRICTED_VIEW like one shown on the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.db import models
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.cases.selectors import case_get_for_user
from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.persons.policies import restricted_visible_person_ids
from tsunagu.persons.selectors import persons_restricted_fields_shown
from tsunagu.referrals.pdf import FONT_FAMILY, _no_fetch

if TYPE_CHECKING:
    from tsunagu.organizations.models import User
    from tsunagu.persons.models import Person

PRINT_CSS = f"""
@page {{
  size: A4; margin: 20mm 15mm 18mm;
  @top-left {{ content: element(formhead); }}
  @bottom-center {{ content: counter(page) " / " counter(pages); font-size: 8pt; }}
}}
html {{ font-family: "{FONT_FAMILY}", sans-serif; font-size: 9.5pt; line-height: 1.55; color: #000; }}
.formhead {{ position: running(formhead); font-size: 8pt; width: 180mm; }}
.formhead .right {{ float: right; }}
h1 {{ font-size: 14pt; text-align: center; margin: 0 0 3mm; letter-spacing: 0.1em; }}
h2 {{ font-size: 11pt; margin: 5mm 0 1.5mm; border-bottom: 0.6pt solid #000; break-after: avoid; }}
h3 {{ font-size: 10pt; margin: 3mm 0 1mm; break-after: avoid; }}
table {{ width: 100%; border-collapse: collapse; margin: 1.5mm 0 3mm; }}
thead {{ display: table-header-group; }}
tr, .keep, .sign {{ break-inside: avoid; }}
th, td {{ border: 0.5pt solid #000; padding: 1.2mm 1.8mm; vertical-align: top; text-align: left;
  white-space: pre-wrap; overflow-wrap: anywhere; }}
th {{ background: #eee; font-weight: bold; }}
table.items th {{ width: 30%; }}
table.records, table.goals, table.results {{ table-layout: fixed; }}
table.results th.goal {{ width: 45%; }} table.results th.achievement {{ width: 20mm; }}
table.records th.when {{ width: 30mm; }} table.records th.how {{ width: 15mm; }}
table.records th.mins {{ width: 14mm; }} table.records th.who {{ width: 20mm; }}
table.goals th.term {{ width: 9mm; }} table.goals th.date {{ width: 24mm; }} table.goals th.freq {{ width: 18mm; }}
tr.long {{ break-inside: auto; }}  /* a row longer than a page breaks inside, never cut */
.checks {{ line-height: 1.9; }}
.blank {{ display: inline-block; min-width: 35mm; border-bottom: 0.5pt solid #000; }}
.checks span {{ margin-right: 3mm; }}
.meta {{ font-size: 8pt; color: #222; }}
.note {{ font-size: 8.5pt; border: 0.5pt solid #000; padding: 2mm; break-inside: avoid; }}
.sign {{ margin-top: 5mm; border: 0.6pt solid #000; padding: 2mm 3mm; }}
.sign .line {{ display: inline-block; min-width: 60mm; border-bottom: 0.5pt solid #000; height: 8mm; }}
.seal {{ display: inline-block; width: 15mm; height: 15mm; border: 0.5pt solid #000; border-radius: 50%;
  text-align: center; line-height: 15mm; font-size: 8pt; color: #555; vertical-align: middle; }}
"""


@dataclass
class FormDocument:
    """What a form's builder returns: the template and its context, and the record printed."""

    template: str
    context: dict[str, Any]
    record: models.Model | None = None  # audited object (the case when None)
    file_part: str = ""  # added to the file name ("v2", "2026-04_2026-09")
    details: dict[str, Any] = field(default_factory=dict)  # added to the PRINT audit row


@dataclass(frozen=True)
class PrintedForm:
    name: str  # the URL's name: "intake", "assessment", …
    title: str  # 「相談受付・申込票」
    build: Callable[[Any, Case, Mapping[str, str]], FormDocument]
    available: Callable[[Case], bool] = lambda case: True  # offered in the list for this case
    order: int = 100


FORMS: dict[str, PrintedForm] = {}


def register(form: PrintedForm) -> PrintedForm:
    if form.name in FORMS:
        raise ValueError(f"帳票「{form.name}」は登録済みです。")
    FORMS[form.name] = form
    return form


def form_url(case: Case | int, name: str, **params: Any) -> str:
    case_id = case if isinstance(case, int) else case.pk
    url = reverse("reports:print_form", args=[case_id, name])
    query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items() if v not in (None, ""))
    return f"{url}?{query}" if query else url


def forms_of_case(case: Case) -> list[dict[str, str]]:
    """The forms a case has (name, title, URL of the PDF): the API's list and the case page's."""
    return [
        {"name": f.name, "title": f.title, "url": form_url(case, f.name)}
        for f in sorted(FORMS.values(), key=lambda f: (f.order, f.name))
        if f.available(case)
    ]


def contact_shown(user: Any, person: Person, *, form: str) -> bool:
    """Whether the person's restricted fields (住所・電話 etc.) may be printed for ``user``: the
    screens' rule. Printing them is audited as RESTRICTED_VIEW."""
    visible = person.pk in restricted_visible_person_ids(user, [person])
    if visible and person.is_restricted:
        persons_restricted_fields_shown(
            user=user,
            persons=[person],
            visible_ids={person.pk},
            fields=["address", "phone"],
            via=f"print:{form}",
        )
    return visible


def render_form(template: str, context: dict[str, Any]) -> bytes:
    """The PDF of ``template`` with the shared look (the font embedded, nothing fetched)."""
    from weasyprint import CSS, HTML

    html = render_to_string(template, context)
    document = HTML(string=html, url_fetcher=_no_fetch, base_url="about:blank")
    return bytes(document.write_pdf(stylesheets=[CSS(string=PRINT_CSS)]))


def print_form(*, user: User, case_id: Any, name: str, params: Mapping[str, str]) -> tuple[bytes, str]:
    """(PDF, file name) of form ``name`` of the case; 404 for an unknown form, a case not in the
    user's scope or a record not of this case. One PRINT audit row."""
    form = FORMS.get(name)
    if form is None:
        raise Http404
    case = case_get_for_user(user=user, case_id=case_id, audit=False)
    document = form.build(user, case, params)
    context = {
        "case": case,
        "person": case.person,
        "form_title": form.title,
        "printed_at": timezone.localtime(),
        "printed_by": user,
        **document.context,
    }
    pdf = render_form(document.template, context)
    audit_record(
        actor=user,
        action=AuditAction.PRINT,
        obj=document.record or case,
        person_id=case.person_id,
        details={"form": name, "case_id": case.pk, **document.details},
    )
    part = f"_{document.file_part}" if document.file_part else ""
    return pdf, f"{form.title}_{case.case_number}{part}.pdf"


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """The PDF shown in the browser (its Japanese file name by RFC 5987), never cached."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=\"form.pdf\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response
