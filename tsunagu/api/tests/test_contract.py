"""The API contract: unique schema names, no 500 on bad input, and a schemathesis run over the
whole OpenAPI (bounded example count) that fails on any 5xx or response-schema violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from ninja import Schema

pytestmark = pytest.mark.django_db

# Operations the schemathesis run still finds failing, in files other engineers are editing during
# this session. TEMPORARY: the integrator empties this list when their fixes land.
KNOWN_FAILING: set[str] = set()


def _schema_classes() -> dict[str, set[type]]:
    """Every ninja Schema class used by an operation of the API, by its ``__name__``."""
    from tsunagu.api.api import api

    found: dict[str, set[type]] = {}

    def visit(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, Schema):
            if tp in found.get(tp.__name__, set()):
                return
            found.setdefault(tp.__name__, set()).add(tp)
            for field in tp.model_fields.values():
                visit(field.annotation)
        for arg in getattr(tp, "__args__", ()) or ():
            visit(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in op.models:  # the request parts (body, query, path …)
                    for field in model.model_fields.values():
                        visit(field.annotation)
                for response_model in op.response_models.values():
                    if response_model is not None:
                        for field in response_model.model_fields.values():
                            visit(field.annotation)
    return found


def test_schema_names_are_unique_across_the_openapi() -> None:
    """ninja merges two schemas of the same name into one component: the OpenAPI would then document
    one body (or answer) for another operation's. No two distinct classes may share a name."""
    duplicates = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in _schema_classes().items()
        if len(classes) > 1
    }
    assert duplicates == {}


def test_the_schema_name_scan_sees_the_operations() -> None:
    names = _schema_classes()
    assert "MeOut" in names and "MonthlyOut" in names and "FiscalYearOut" in names


HUGE = 2**70


def test_integers_beyond_64_bits_are_refused_not_500(issue_token: Callable[..., str]) -> None:
    client = Client(headers={"Authorization": f"Bearer {issue_token('shinjuku-shunin')}"})
    from tsunagu.api.api import api

    paths = [p for p in api.get_openapi_schema(path_prefix="/api/v1")["paths"] if "{" in p]
    assert paths, "the API has operations with an id in the path"
    for path in paths:
        url = path.split("{")[0] + str(HUGE) + "/"
        url = url.rstrip("/") if not path.split("}", 1)[1].startswith("/") else url
        r = client.get(path.replace(path[path.index("{") : path.index("}") + 1], str(HUGE)))
        assert r.status_code < 500, (path, r.status_code)


def test_the_global_net_answers_422_for_a_number_the_database_cannot_hold() -> None:
    from django.db import DataError

    from tsunagu.api.errors import OUT_OF_RANGE, install_error_handlers

    class Fake:
        handlers: dict[type, Any]

        def __init__(self) -> None:
            self.handlers = {}

        def add_exception_handler(self, exc: type, handler: Any) -> None:
            self.handlers[exc] = handler

        def create_response(self, request: Any, body: Any, status: int) -> Any:
            return status, body

    fake = Fake()
    install_error_handlers(fake)  # type: ignore[arg-type]
    for exc in (
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        DataError("out of range"),
    ):
        status, body = fake.handlers[type(exc)](None, exc)
        assert status == 422 and body["errors"]["__all__"] == [OUT_OF_RANGE]


# --- schemathesis over the whole OpenAPI -------------------------------------------------------------


@pytest.fixture
def api_schema(issue_token: Callable[..., str]) -> Any:
    from config.wsgi import application
    from tsunagu.api.api import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    schema.app = application
    schema.config.headers = {"Authorization": f"Bearer {issue_token('shinjuku-shunin')}"}
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_schemathesis_no_5xx_and_answers_match_the_schema(case: Any, api_schema: Any) -> None:
    if f"{case.method} {case.path}" in KNOWN_FAILING:
        pytest.xfail("known failure in another app's operation (see KNOWN_FAILING)")
    headers = dict(api_schema.config.headers)
    case.call_and_validate(headers=headers)
