"""A value offered from one screen to another's form is a signed token for one account and one form."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tsunagu.core import offers

ME, COLLEAGUE = SimpleNamespace(pk=7), SimpleNamespace(pk=8)
FORM = "/cases/12/assessments/new/"


def test_the_token_carries_the_label_and_the_values_for_its_account_and_form() -> None:
    token = offers.offer_token(
        user=ME, path=FORM, label="家計表（令和8年12月1日）", values={"savings": 80_000}
    )
    assert offers.read_offer(token, user=ME, path=FORM) == ("家計表（令和8年12月1日）", {"savings": 80_000})
    assert offers.read_offer(token, user=COLLEAGUE, path=FORM) is None
    assert offers.read_offer(token, user=ME, path="/cases/13/assessments/new/") is None
    assert offers.read_offer(token[:-2] + "xx", user=ME, path=FORM) is None
    assert offers.read_offer("", user=ME, path=FORM) is None


def test_an_old_token_offers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    token = offers.offer_token(user=ME, path=FORM, label="x", values={"savings": 1})
    monkeypatch.setattr(offers, "MAX_AGE_SECONDS", -1)
    assert offers.read_offer(token, user=ME, path=FORM) is None
