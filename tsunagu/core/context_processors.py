from django.http import HttpRequest


def date_style(request: HttpRequest) -> dict[str, str]:
    """和暦 by default; the user may switch to 西暦 (kept in the session)."""
    style = "wareki"
    session = getattr(request, "session", None)
    if session is not None and session.get("date_style") == "seireki":
        style = "seireki"
    return {"date_style": style}
