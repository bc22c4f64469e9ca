"""What a user typed survives (入力内容の一時保存・下書き): one mechanism, two situations.

1. **An expired session.** When a form is posted after the session expired, the login middleware
   keeps the posted values in the (new, anonymous) server-side session and sends the user to log
   in. Back on the same page, ``form_data`` hands the kept values to the form once. The kept values
   remember whose session expired (when that is known) and are given back only to the same
   account: on a shared terminal, the next person to log in never sees them.

2. **A page left, reloaded or closed while typing** (server drafts, ``FormDraft``). A long form
   (アセスメント, プラン, 支援経過記録, 評価シート, 相談受付) is saved as a draft every few seconds
   while it changes and when the page is hidden (``static/js/drafts.js``). Back on the page, the
   draft fills the form again with the notice 「保存されていない下書きを復元しました」.

   - *Scope.* The page's view, which has already scoped its record (``case_for_writing`` …),
     calls ``page_draft``: it signs a **draft key** (account, page path, agency, case, person,
     record and the version seen) that the page renders as ``data-draft-key``. The save endpoint
     accepts a draft only with a valid key signed for the same account and the agency the account
     still belongs to (``read_key``); the endpoint's view re-checks the record's scope as well.
   - *Restore* happens only in that view, through ``page_draft``, after the view has scoped the
     record again: a draft whose agency or case no longer matches (the case went to another
     agency, the account moved) is never shown and is deleted.
   - *Audit.* Every save, restore and deletion writes an audit row naming the person and the
     record, like a write or read of the record (object type ``formdraft``).
   - *Bounds.* At most ``DRAFT_MAX_BYTES`` of form values, no files; a draft older than
     ``DRAFT_RETENTION_DAYS`` is never restored and is purged (``manage.py purge_form_drafts``).
   - *Deleted when the record is saved*: the view calls ``PageDraft.discard`` after a successful
     save (explicitly, in the same request), and the page's 「破棄する」 button deletes it too.

For a GET, ``form_data`` returns the expired-session values first, else the restored server
draft, else None; a form filled from a restored draft shows no errors until it is sent
(``PageDraft.quiet``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import models, transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from .audit import audit_record
from .models import AuditAction, FormDraft

DRAFT_KEY = "tsunagu_pending_form"
DRAFT_MAX_AGE_SECONDS = 2 * 3600

DRAFT_SALT = "tsunagu.core.drafts"
DRAFT_KEY_MAX_AGE_SECONDS = 24 * 3600  # a page left open over a working day still saves
DRAFT_RETENTION_DAYS = 14
DRAFT_MAX_BYTES = 64 * 1024
# Never kept in a draft: the CSRF token and the draft key itself.
_NOT_KEPT = frozenset({"csrfmiddlewaretoken", "draft_key"})
OBJECT_TYPE = "formdraft"


class DraftKeyError(Exception):
    """The draft key is forged, expired, another account's, or from an agency the account left."""


class DraftTooLargeError(Exception):
    """The draft is larger than ``DRAFT_MAX_BYTES``."""


# --- 1. The expired session ------------------------------------------------------------------------


def draft_keep(request: HttpRequest, *, owner_id: Any = None) -> None:
    """Keep the posted values (not the CSRF token) for ``request.path``; ``owner_id``: the user
    whose session expired, if known."""
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY] = {
        "path": request.path,
        "data": data,
        "at": time.time(),
        "owner": None if owner_id is None else str(owner_id),
    }


def _session_data(request: HttpRequest) -> QueryDict | None:
    session = getattr(request, "session", None)
    draft = session.get(DRAFT_KEY) if session is not None else None
    if not draft or draft.get("path") != request.path:
        return None
    del session[DRAFT_KEY]  # type: ignore[union-attr]
    if time.time() - draft.get("at", 0) >= DRAFT_MAX_AGE_SECONDS:
        return None
    owner = draft.get("owner")
    user = getattr(request, "user", None)
    if owner is not None and str(getattr(user, "pk", "")) != owner:
        return None  # someone else logged in on this browser: the draft is not theirs
    return _querydict(draft["data"])


def _querydict(data: dict[str, list[str]]) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, values in data.items():
        q.setlist(k, [str(v) for v in values])
    return q


def form_data(request: HttpRequest, draft: PageDraft | None = None) -> Any:
    """request.POST for a POST; for a GET, the values kept from an expired session (once), else
    the server draft ``draft`` restored; else None."""
    if request.method == "POST":
        return request.POST
    kept = _session_data(request)
    if kept is not None:
        return kept
    if draft is not None and draft.restored is not None:
        return _querydict(draft.restored.data)
    return None


# --- 2. Server drafts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftScope:
    """What a draft key names (signed): the account, the page, and the record's scope."""

    user_id: int
    path: str
    agency_id: int | None = None
    case_id: int | None = None
    person_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    version: int | None = None


def sign_key(scope: DraftScope) -> str:
    return signing.dumps(asdict(scope), salt=DRAFT_SALT, compress=True)


def read_key(key: str, user: Any) -> DraftScope:
    """The scope a key names, if it was signed (within ``DRAFT_KEY_MAX_AGE_SECONDS``) for ``user``
    while the account belonged to its current agency; else ``DraftKeyError``."""
    try:
        raw = signing.loads(key or "", salt=DRAFT_SALT, max_age=DRAFT_KEY_MAX_AGE_SECONDS)
        scope = DraftScope(**raw)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise DraftKeyError("bad_signature") from exc
    if not getattr(user, "is_authenticated", False) or not user.is_active or scope.user_id != user.pk:
        raise DraftKeyError("other_user")
    if scope.agency_id != getattr(user, "agency_id", None):
        raise DraftKeyError("other_agency")
    return scope


def _audit(user: Any, action: AuditAction, draft: FormDraft, **details: Any) -> None:
    audit_record(
        actor=user,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=draft.pk,
        person_id=draft.person_id,
        agency_id=draft.agency_id,
        details={
            "path": draft.path,
            "case_id": draft.case_id,
            "record": f"{draft.object_type}:{draft.object_id}" if draft.object_type else "",
            **details,
        },
    )


def posted_values(data: QueryDict) -> dict[str, list[str]]:
    """The form fields of a posted draft (lists of strings), without the token and the key."""
    return {k: v for k, v in data.lists() if k not in _NOT_KEPT}


def save_draft(*, user: Any, scope: DraftScope, data: dict[str, list[str]]) -> FormDraft:
    """Create or overwrite the account's draft of the page ``scope.path`` (audited)."""
    clean = {str(k): [str(v) for v in vs] for k, vs in data.items() if k not in _NOT_KEPT}
    if len(json.dumps(clean, ensure_ascii=False).encode()) > DRAFT_MAX_BYTES:
        raise DraftTooLargeError
    now = timezone.now()
    with transaction.atomic():
        draft, created = FormDraft.objects.select_for_update().get_or_create(
            user=user,
            path=scope.path,
            defaults={"created_at": now, "updated_at": now},
        )
        draft.agency_id = scope.agency_id
        draft.case_id = scope.case_id
        draft.person_id = scope.person_id
        draft.object_type = scope.object_type
        draft.object_id = scope.object_id
        draft.record_version = scope.version
        draft.data = clean
        draft.updated_at = now
        draft.save()
        _audit(user, AuditAction.CREATE if created else AuditAction.UPDATE, draft)
    return draft


def discard_draft(*, user: Any, path: str, reason: str = "discarded") -> bool:
    """Delete the account's draft of ``path`` (audited); False when there was none."""
    with transaction.atomic():
        draft = FormDraft.objects.select_for_update().filter(user=user, path=path).first()
        if draft is None:
            return False
        _audit(user, AuditAction.DELETE, draft, reason=reason)
        draft.delete()
    return True


def purge_drafts(*, days: int = DRAFT_RETENTION_DAYS) -> int:
    """Delete the drafts not saved for ``days`` days (a retention cleanup, not a user's act)."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = FormDraft.objects.filter(updated_at__lt=cutoff).delete()
    return deleted


@dataclass
class PageDraft:
    """What a draftable page renders: ``key`` (``data-draft-key``), ``restored`` (the draft given
    back to this page, for the notice) and ``changed_since`` (the record was saved by someone after
    the draft was typed)."""

    scope: DraftScope
    key: str
    restored: FormDraft | None = None
    changed_since: bool = False
    _user: Any = field(default=None, repr=False)

    def discard(self, reason: str = "record_saved") -> None:
        """After a successful save of the record: the draft is no longer needed."""
        discard_draft(user=self._user, path=self.scope.path, reason=reason)

    def quiet(self, *forms: Any) -> None:
        """A form (or formset) filled from a restored draft shows no errors until it is sent."""
        if self.restored is None:
            return
        for form in forms:
            quiet(form)


def quiet(form: Any) -> None:
    """Mark a bound form or formset as not validated yet: rendering it shows no errors."""
    from django.forms.utils import ErrorDict

    if hasattr(form, "management_form"):  # a formset
        form._errors = []
        form._non_form_errors = form.error_class()
        for f in form.forms:
            quiet(f)
        return
    form._errors = ErrorDict()
    form.cleaned_data = {}


def _in_scope(draft: FormDraft, scope: DraftScope) -> bool:
    return (
        draft.agency_id == scope.agency_id
        and draft.case_id == scope.case_id
        and draft.object_type == scope.object_type
        and draft.object_id == scope.object_id
        and draft.updated_at >= timezone.now() - timedelta(days=DRAFT_RETENTION_DAYS)
    )


def page_draft(
    request: HttpRequest,
    *,
    case: models.Model | None = None,
    obj: models.Model | None = None,
    version: int | None = None,
    path: str | None = None,
) -> PageDraft:
    """The draft of this page for the signed-in account. Call it in the view *after* the view has
    scoped ``case`` (and ``obj``, the record edited, if any) for the account. On a GET the saved
    draft is restored (audited) when its scope still matches; a draft out of scope is deleted and
    never shown. ``path`` names the page when one URL serves several records (the 相談受付 of
    different persons: ``/intake/new/?person=<id>``); it defaults to the request's path."""
    user: Any = request.user
    path = path or request.path
    agency_id = getattr(user, "agency_id", None)
    case_agency = getattr(case, "agency_id", agency_id) if case is not None else agency_id
    scope = DraftScope(
        user_id=user.pk,
        path=path,
        agency_id=agency_id,
        case_id=case.pk if case is not None else None,
        person_id=getattr(case, "person_id", None),
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        version=version,
    )
    page = PageDraft(scope=scope, key=sign_key(scope), _user=user)
    if request.method != "GET":
        return page
    draft = FormDraft.objects.filter(user_id=user.pk, path=path).first()
    if draft is None:
        return page
    if case_agency != agency_id or not _in_scope(draft, scope):
        discard_draft(user=user, path=path, reason="out_of_scope")
        return page
    _audit(user, AuditAction.VIEW, draft, restored=True)
    page.restored = draft
    page.changed_since = (
        version is not None and draft.record_version is not None and draft.record_version != version
    )
    return page
