"""初期設定 in a real browser, from an empty database (no demo data): ``setup_site`` creates the
システム管理者, who enrols TOTP at the first login and registers, in the product's own screens,
the prefecture in use, the municipalities (a wrong check digit first), a 委託 agency serving two
municipalities (共同実施) and its staff (センター長, 個人情報管理責任者, 相談支援員) and a 自治体担当者;
then the new センター長 logs in with the temporary password, enrols TOTP, replaces the temporary
password and lands on the dashboard.

Then the 個人情報管理責任者 writes and publishes the agency's first privacy notice (規程 第1版), and
the 相談支援員 takes the first consultation with the person's consent to that version.
Screenshots: var/screenshots/first_run_*.png.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from .helpers import save_screenshot
from .plugin import ConsoleLog

ADMIN = "kanri"
_used: set[tuple[str, int]] = set()


def _shot(page: Any, name: str) -> None:
    save_screenshot(page, f"first_run_{name}")


def _totp_code(secret: str) -> str:
    """The code an authenticator app shows for ``secret`` now (never the same one twice)."""
    period = mfa_settings.TOTP_PERIOD
    now = time.time()
    if period - (now % period) < 2:
        time.sleep(period - (now % period) + 0.1)
        now = time.time()
    counter = int(now) // period
    if (secret, counter) in _used:
        time.sleep(period - (now % period) + 0.1)
        counter = int(time.time()) // period
    _used.add((secret, counter))
    return format_hotp_value(hotp_value(secret, counter))


# --- Steps ------------------------------------------------------------------------------------------


def step_setup_site() -> str:
    """``manage.py setup_site``: returns the temporary password it printed once."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("setup_site", "--username", ADMIN, "--display-name", "情報 管理子", stdout=out)
    match = re.search(r"仮パスワード：(\S+)", out.getvalue())
    assert match, out.getvalue()
    return match.group(1)


def step_first_login(page: Any, live_server: Any, username: str, password: str, shot: str) -> str:
    """Password → forced TOTP enrolment (password asked once more) → forced change of the
    temporary password. Returns the TOTP secret."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").first.click()
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=password]) button[type=submit]").first.click()
        page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" in page.url, page.url
    assert page.get_by_role("heading", name="多要素認証の設定").count() == 1
    _shot(page, f"{shot}_totp_enrolment")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("input[name=code]").fill(_totp_code(secret))
    page.get_by_role("button", name="設定する").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" not in page.url, page.locator("main").inner_text()
    # Then the temporary password is replaced before any other page opens.
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/password/change/"))
    _shot(page, f"{shot}_password_change")
    new_password = f"Atarashii-{username}-2026-pw"
    page.locator("input[name=oldpassword]").fill(password)
    page.locator("input[name=password1]").fill(new_password)
    page.locator("input[name=password2]").fill(new_password)
    page.locator("form:has(input[name=oldpassword]) button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/password/change/" not in page.url, page.locator("main").inner_text()
    return secret


def step_prefectures(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/setup/")
    assert page.get_by_role("heading", name="初期設定", exact=True).count() == 1
    _shot(page, "setup_home")
    page.goto(f"{live_server.url}/setup/prefectures/")
    page.get_by_label("13 東京都").check()
    _shot(page, "prefectures")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()
    assert "この環境で使う都道府県を1件にしました" in page.locator("body").inner_text()


def _fill_municipality(page: Any, code: str, name: str, population: str, slug: str) -> None:
    page.get_by_label("全国地方公共団体コード").fill(code)
    page.get_by_label("自治体名").fill(name)
    page.locator("select[name=prefecture]").select_option(label="東京都")
    page.locator("input[name=population]").fill(population)
    page.locator("input[name=population_as_of]").fill("令和7年1月1日")
    page.get_by_label("略称（ローマ字）").fill(slug)
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()


def step_municipalities(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/setup/municipalities/new/")
    _fill_municipality(page, "131042", "新宿区", "351183", "shinjuku")  # wrong check digit
    error = page.locator(".form-field__error")
    assert "検査数字（6桁目）が正しくありません" in error.inner_text()
    assert page.get_by_label("自治体名").input_value() == "新宿区"  # what was typed stays
    _shot(page, "municipality_check_digit_error")
    page.get_by_label("全国地方公共団体コード").fill("131041")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()
    assert "東京都新宿区を登録しました" in page.locator("body").inner_text()
    page.goto(f"{live_server.url}/setup/municipalities/new/")
    _fill_municipality(page, "131148", "中野区", "335234", "nakano")
    assert "東京都中野区を登録しました" in page.locator("body").inner_text()
    text = page.locator("main").inner_text()
    assert "令和7年1月1日" in text and "131148" in text
    _shot(page, "municipality_list")


def step_agency(page: Any, live_server: Any) -> None:
    """A 委託 agency serving 新宿区 (主たる実施主体) and 中野区 (共同実施); 受託法人名 is required."""
    page.goto(f"{live_server.url}/setup/agencies/new/")
    page.get_by_label("機関名").fill("新宿・中野くらし相談センター")
    page.get_by_label("委託").check()
    page.get_by_label("主たる実施主体").select_option(label="東京都新宿区")
    page.get_by_label("東京都中野区").check()
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()
    assert "委託の場合は受託法人名を入力してください。" in page.locator("main").inner_text()
    page.get_by_label("受託法人名").fill("社会福祉法人つなぐ福祉会")
    _shot(page, "agency_form")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "新宿・中野くらし相談センターを登録しました" in text
    assert "社会福祉法人つなぐ福祉会" in text and "東京都中野区" in text
    _shot(page, "agency_list")


def step_staff(
    page: Any,
    live_server: Any,
    username: str,
    name: str,
    role: str,
    *,
    agency: str = "",
    municipality: str = "",
) -> str:
    """Register one account; returns the temporary password shown once."""
    page.goto(f"{live_server.url}/setup/staff/")
    page.get_by_role("link", name="職員を登録する").click()
    page.wait_for_load_state()
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("氏名").fill(name)
    if agency:
        page.get_by_label("所属機関").select_option(label=agency)
    if municipality:
        page.get_by_label("所属自治体").select_option(label=municipality)
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="登録する").click()
    page.wait_for_load_state()
    assert f"{name} を登録しました" in page.locator("h1").inner_text(), page.locator("main").inner_text()
    return page.locator("#temporary-password").inner_text().strip()


def step_login_center_director(browser: Any, live_server: Any, console: ConsoleLog, password: str) -> Any:
    """The new センター長: temporary password → TOTP enrolment → new password → the dashboard."""
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    step_first_login(page, live_server, "center", password, "center")
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="ダッシュボード").count() == 1
    assert (
        "新宿・中野くらし相談センター" in page.locator("body").inner_text()
        or "中央 花子" in page.locator("body").inner_text()
    )
    _shot(page, "center_dashboard")
    return page


def _new_user_page(browser: Any, live_server: Any, console: ConsoleLog, username: str, password: str) -> Any:
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    step_first_login(page, live_server, username, password, username)
    return page


def step_publish_first_notice(page: Any, live_server: Any) -> None:
    """The 個人情報管理責任者: the first draft starts from the default sections; review; publish."""
    page.on("dialog", lambda dialog: dialog.accept())  # 「公開すると変更できません」 confirm
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation").get_by_role("link", name="規程").click()
    page.wait_for_url(f"{live_server.url}/privacy/notices/")
    page.get_by_role("link", name="新しい版を作成").click()
    page.wait_for_load_state()
    page.get_by_label("開示・訂正・苦情の窓口").fill(
        "個人情報の取扱いに関するお問い合わせ・開示の請求・苦情は、個人情報管理責任者（電話 03-0000-0000）が受け付けます。"
    )
    page.get_by_role("button", name="下書きを保存").click()
    page.wait_for_url(re.compile(r"/privacy/notices/\d+/$"))
    _shot(page, "notice_review")
    page.get_by_role("button", name="公開する").click()
    page.wait_for_url(re.compile(r"/privacy/notices/\d+/$"))
    assert "第1版として公開しました" in page.locator("main").inner_text()
    _shot(page, "notice_published")


def _check(page: Any, group: str, label: str) -> None:
    page.locator(f"#{group}").get_by_label(label, exact=True).check()


def step_first_intake(page: Any, live_server: Any) -> None:
    """The 相談支援員: search, register the person with the 申込票 and the consent to 第1版."""
    from django.utils import timezone

    from tsunagu.core.dates import wareki

    page.goto(f"{live_server.url}/intake/")
    page.get_by_label("氏名（漢字）").fill("初回 相談子")
    page.get_by_label("フリガナ").fill("しょかい そうだんこ")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="新しい相談者として受付する").click()
    page.wait_for_url(re.compile(r"/intake/new/"))
    page.locator("#id_person-birth_date").fill("平成2年4月1日")
    page.locator("#id_person-address").fill("東京都新宿区西新宿二丁目8番1号")
    page.locator("#id_person-phone").fill("03-1111-2222")
    municipality = page.locator("#id_person-municipality")
    if municipality.count():
        municipality.select_option(label="東京都新宿区")
    page.locator("#id_intake-method").select_option(label="来所")
    page.locator("#id_intake-route").select_option(label="本人自ら")
    _check(page, "id_intake-topics", "収入・生活費のこと")
    page.locator("#id_intake-chief_complaint").fill("失業して生活費が足りない。")
    _check(page, "id_intake-screening_outcome", "継続支援")
    today = wareki(timezone.localdate())
    page.locator("#id_intake-applied_on").fill(today)
    page.locator("#id_consent-given").check()
    main = page.locator("main").inner_text()
    assert "第1版" in main, "同意の欄に説明する規程の版が出ていません"
    _check(page, "id_consent-purposes", "本人の支援のため、センター内や支援調整会議等において検討する")
    _check(page, "id_consent-data_categories", "氏名・性別・年齢・住所・電話番号・家族関係等の基本的情報")
    page.locator("#id_consent-given_on").fill(today)
    page.locator("#id_consent-method").select_option(label="署名（申込票）")
    _shot(page, "intake_form")
    page.get_by_role("button", name="受付を保存する").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert "相談を受け付けました" in page.locator("body").inner_text()
    _shot(page, "intake_case")


# --- The run ----------------------------------------------------------------------------------------


@pytest.mark.browser
def test_first_run_from_an_empty_database(
    browser: Any, live_server: Any, transactional_db: Any, console: ConsoleLog
) -> None:
    from tsunagu.core.codes import ensure_default_codes
    from tsunagu.organizations.models import Agency, User

    assert not User.objects.exists()
    # The category lists are data of the migrations (an earlier live-server test empties every table).
    ensure_default_codes()
    admin_password = step_setup_site()

    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    step_first_login(page, live_server, ADMIN, admin_password, "admin")
    page.goto(f"{live_server.url}/")
    step_prefectures(page, live_server)
    step_municipalities(page, live_server)
    step_agency(page, live_server)
    agency = "新宿・中野くらし相談センター"
    passwords = {
        "center": step_staff(page, live_server, "center", "中央 花子", "センター長", agency=agency),
    }
    _shot(page, "staff_created")
    passwords["privacy"] = step_staff(
        page, live_server, "privacy", "守秘 一郎", "個人情報管理責任者", agency=agency
    )
    passwords["soudan"] = step_staff(page, live_server, "soudan", "相談 次郎", "相談支援員", agency=agency)
    passwords["officer"] = step_staff(
        page, live_server, "officer", "区役 三子", "自治体担当者", municipality="東京都新宿区"
    )
    page.goto(f"{live_server.url}/setup/staff/")
    _shot(page, "staff_list")
    served = Agency.objects.get(name=agency)
    assert {m.name for m in served.area()} == {"新宿区", "中野区"}
    assert User.objects.get(username="officer").municipality.name == "新宿区"

    step_login_center_director(browser, live_server, console, passwords["center"])

    page = _new_user_page(browser, live_server, console, "privacy", passwords["privacy"])
    step_publish_first_notice(page, live_server)
    page = _new_user_page(browser, live_server, console, "soudan", passwords["soudan"])
    step_first_intake(page, live_server)

    from tsunagu.cases.models import Case
    from tsunagu.privacy.models import Consent

    case = Case.objects.get(person__name="初回 相談子")
    consent = Consent.objects.get(person=case.person)
    assert consent.notice.version == 1 and consent.notice.agency.name == agency
    assert case.agency.name == agency and case.municipality.name == "新宿区"
    assert console.csp_violations() == []
    assert console.errors() == []
