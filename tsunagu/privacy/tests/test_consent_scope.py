"""同意の範囲は説明した規程の利用目的まで: a consent names only purposes of the notice explained.

The demo's 第1版 names every purpose; each test publishes a narrower (or a wider) version of
新宿区's 規程 and gives consents against it — through the service, the consent screen, the intake
screen (which records consent at intake) and the API.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.cases.services import intake_register
from tsunagu.cases.tests.helpers import consent_values, intake_values, new_person, person_values
from tsunagu.persons.models import Person
from tsunagu.privacy.forms import ConsentForm
from tsunagu.privacy.models import Consent, Purpose
from tsunagu.privacy.selectors import consents_needing_renewal
from tsunagu.privacy.services import consent_give, privacy_notice_publish

TODAY = timezone.localdate
STATISTICS_LABEL = str(Purpose.STATISTICS.label)
RESEARCH_LABEL = str(Purpose.RESEARCH.label)


@pytest.fixture
def worker(staff: Any) -> Any:
    return staff("shinjuku-soudan")


@pytest.fixture
def person(worker: Any) -> Any:
    return new_person(worker)


def publish(staff: Any, worker: Any, purposes: list[str], *, days_ago: int = 0) -> Any:
    """A new version of 新宿区's 規程 naming ``purposes``, in force from ``days_ago`` days ago."""
    return privacy_notice_publish(
        actor=staff("shinjuku-privacy"),
        agency=worker.agency,
        body="改訂版の規程",
        purposes=purposes,
        effective_from=TODAY() - timedelta(days=days_ago),
    )


def expected_message(version: int, *labels: str) -> str:
    return f"説明した規程（第{version}版）に記載のない利用目的には同意を記録できません：" + "、".join(labels)


# --- the service ------------------------------------------------------------------------------


def test_the_service_refuses_a_purpose_the_notice_explained_does_not_name(
    staff: Any, worker: Any, person: Any
) -> None:
    v2 = publish(staff, worker, [Purpose.SUPPORT])
    with pytest.raises(ValidationError) as exc:
        consent_give(
            actor=worker,
            person=person,
            values=consent_values(purposes=[Purpose.SUPPORT, Purpose.RESEARCH, Purpose.STATISTICS]),
        )
    # Beside the field, naming the version and every purpose outside it (in the order of Purpose).
    assert exc.value.message_dict == {
        "purposes": [expected_message(v2.version, STATISTICS_LABEL, RESEARCH_LABEL)]
    }
    assert not Consent.objects.filter(person=person).exists()


def test_a_purpose_the_notice_names_is_accepted(staff: Any, worker: Any, person: Any) -> None:
    v2 = publish(staff, worker, [Purpose.SUPPORT, Purpose.STATISTICS])
    consent = consent_give(
        actor=worker,
        person=person,
        values=consent_values(purposes=[Purpose.STATISTICS, Purpose.SUPPORT]),
    )
    assert consent.notice_id == v2.pk
    assert consent.purposes == ["statistics", "support"]


def test_the_rule_follows_the_version_in_force_on_the_consent_date(
    staff: Any, worker: Any, person: Any
) -> None:
    """A consent dated before the narrow version came into force was explained on the 第1版,
    which names every purpose; one dated after it, on the narrow version."""
    v2 = publish(staff, worker, [Purpose.SUPPORT], days_ago=10)
    earlier = consent_give(
        actor=worker,
        person=person,
        values=consent_values(purposes=[Purpose.RESEARCH], given_on=TODAY() - timedelta(days=20)),
    )
    assert earlier.notice.version == 1
    with pytest.raises(ValidationError) as exc:
        consent_give(
            actor=worker,
            person=person,
            values=consent_values(purposes=[Purpose.RESEARCH], given_on=TODAY() - timedelta(days=5)),
        )
    assert exc.value.message_dict["purposes"] == [expected_message(v2.version, RESEARCH_LABEL)]


def test_a_notice_given_explicitly_is_the_one_checked(staff: Any, worker: Any, person: Any) -> None:
    v2 = publish(staff, worker, [Purpose.SUPPORT], days_ago=10)
    v3 = publish(staff, worker, list(Purpose.values))
    with pytest.raises(ValidationError) as exc:
        consent_give(
            actor=worker,
            person=person,
            values=consent_values(purposes=[Purpose.STATISTICS], notice=v2),
        )
    assert exc.value.message_dict["purposes"] == [expected_message(v2.version, STATISTICS_LABEL)]
    in_force = consent_give(actor=worker, person=person, values=consent_values(purposes=[Purpose.STATISTICS]))
    assert in_force.notice_id == v3.pk


def test_a_renewal_against_a_wider_new_version_accepts_the_new_purposes(
    staff: Any, worker: Any, person: Any
) -> None:
    narrow = publish(staff, worker, [Purpose.SUPPORT], days_ago=30)
    old = consent_give(
        actor=worker,
        person=person,
        values=consent_values(purposes=[Purpose.SUPPORT], given_on=TODAY() - timedelta(days=20)),
    )
    assert old.notice_id == narrow.pk
    wider = publish(staff, worker, [Purpose.SUPPORT, Purpose.STATISTICS])
    assert old.pk in set(consents_needing_renewal(worker.agency_id).values_list("pk", flat=True))

    renewed = consent_give(
        actor=worker,
        person=person,
        values=consent_values(purposes=[Purpose.SUPPORT, Purpose.STATISTICS]),
    )
    assert renewed.notice_id == wider.pk
    assert renewed.purposes == ["statistics", "support"]
    renewing = consents_needing_renewal(worker.agency_id).filter(person=person)
    assert not renewing.exists()


# --- the form and the consent screen -------------------------------------------------------------


def _form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "purposes": ["support", "statistics"],
        "data_categories": ["basic"],
        "given_on": TODAY().isoformat(),
        "method": "signature",
    } | overrides


def test_the_form_offers_only_the_purposes_of_the_notice_and_refuses_the_others(
    staff: Any, worker: Any
) -> None:
    v2 = publish(staff, worker, [Purpose.SUPPORT, Purpose.CASE_STUDY])
    offered = ConsentForm(agency=worker.agency)
    assert [value for value, _label in offered.fields["purposes"].widget.choices] == [
        "support",
        "case_study",
    ]
    assert "第2版" in offered.fields["purposes"].help_text

    form = ConsentForm(_form_data(), agency=worker.agency)
    assert not form.is_valid()
    assert form.errors["purposes"] == [expected_message(v2.version, STATISTICS_LABEL)]

    assert ConsentForm(_form_data(purposes=["support", "case_study"]), agency=worker.agency).is_valid()


def test_the_consent_screen_shows_the_refusal_beside_the_purposes(
    staff: Any, login: Any, worker: Any, person: Any
) -> None:
    publish(staff, worker, [Purpose.SUPPORT])
    client = login("shinjuku-soudan")
    url = f"/persons/{person.pk}/consents/new/"
    page = client.get(url).content.decode()
    assert 'value="support"' in page
    assert 'value="statistics"' not in page

    response = client.post(url, _form_data())
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'id="id_purposes_error"[^>]*>(.*?)</', html, re.S)
    assert error is not None and STATISTICS_LABEL in error.group(1)
    assert "第2版" in error.group(1)
    assert not Consent.objects.filter(person=person).exists()

    done = client.post(url, _form_data(purposes=["support"]))
    assert done.status_code == 302
    assert Consent.objects.get(person=person).purposes == ["support"]


# --- the intake (consent recorded at intake) ----------------------------------------------------


def test_the_intake_service_refuses_a_consent_beyond_the_notice_and_creates_nothing(
    staff: Any, worker: Any
) -> None:
    publish(staff, worker, [Purpose.SUPPORT])
    before = (Person.objects.count(), Case.objects.count(), Consent.objects.count())
    with pytest.raises(ValidationError) as exc:
        intake_register(
            actor=worker,
            person=None,
            person_values=person_values(),
            values=intake_values(),
            consent_values=consent_values(purposes=[Purpose.SUPPORT, Purpose.STATISTICS]),
        )
    assert exc.value.message_dict["purposes"] == [expected_message(2, STATISTICS_LABEL)]
    assert (Person.objects.count(), Case.objects.count(), Consent.objects.count()) == before


def test_the_intake_screen_refuses_a_purpose_outside_the_notice_beside_the_field(
    staff: Any, login: Any, worker: Any
) -> None:
    from tsunagu.cases.tests.test_views import _intake_post, _with_consent

    publish(staff, worker, [Purpose.SUPPORT])
    client = login("shinjuku-soudan")
    page = client.get("/intake/new/").content.decode()
    assert 'name="consent-purposes" value="support"' in page
    assert 'name="consent-purposes" value="statistics"' not in page

    before = (Person.objects.count(), Case.objects.count())
    today = {"consent-given_on": TODAY().isoformat()}  # explained on the 第2版, in force from today
    response = client.post("/intake/new/", _with_consent(_intake_post(), **today))
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'id="id_consent-purposes_error"[^>]*>(.*?)</', html, re.S)
    assert error is not None and STATISTICS_LABEL in error.group(1)
    assert (Person.objects.count(), Case.objects.count()) == before

    done = client.post(
        "/intake/new/", _with_consent(_intake_post(), **today, **{"consent-purposes": ["support"]})
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    assert Consent.objects.get(person__name="佐々木 太郎").purposes == ["support"]


# --- the API ------------------------------------------------------------------------------------


def _bearer(username: str) -> Client:
    out = StringIO()
    call_command("issue_api_token", username, stdout=out)
    return Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})


def test_the_api_answers_422_with_the_field_error(staff: Any, worker: Any, person: Any) -> None:
    publish(staff, worker, [Purpose.SUPPORT])
    client = _bearer("shinjuku-soudan")
    body = {"purposes": ["support", "statistics"], "given_on": str(TODAY()), "method": "oral"}
    url = f"/api/v1/persons/{person.pk}/consents"
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["purposes"] == [expected_message(2, STATISTICS_LABEL)]
    assert not Consent.objects.filter(person=person).exists()

    accepted = client.post(url, json.dumps(body | {"purposes": ["support"]}), content_type="application/json")
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["notice_version"] == 2
