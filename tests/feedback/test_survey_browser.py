"""The survey page in a real browser on a phone (390x844), in Italian and in English: a customer opens the
link, answers with the keyboard alone (Tab, the arrow keys, Enter), sends and is thanked; the same page with
JavaScript switched off, answered by tapping; never wider than the phone; the focus always visible; and no
Content-Security-Policy violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feedback.links import link_token
from feedback.models import Response
from tests.feedback.invite_helpers import invitation, store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _phone(chromium_browser, live_server, **options) -> Iterator:  # type: ignore[no-untyped-def]
    context = chromium_browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, **options)
    context.set_default_timeout(15000)
    tab = context.new_page()
    tab.base_url = live_server.url
    violations: list[str] = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield tab
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def phone(chromium_browser, live_server) -> Iterator:  # type: ignore[no-untyped-def]
    yield from _phone(chromium_browser, live_server, locale="it-IT")


@pytest.fixture
def phone_without_js(chromium_browser, live_server) -> Iterator:  # type: ignore[no-untyped-def]
    yield from _phone(chromium_browser, live_server, locale="en-GB", java_script_enabled=False)


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def focused(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.activeElement ? (document.activeElement.id || '') : ''")


def tab_to(page, element_id: str, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (focus on {focused(page)!r})")


def label_outline(page, element_id: str) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "id => getComputedStyle(document.querySelector(`label[for='${id}']`)).outlineStyle", element_id
    )


def test_an_italian_customer_answers_with_the_keyboard_alone(phone):
    milano = store()
    invited = invitation(milano, language="it")
    phone.goto(phone.base_url + f"/feedback/s/{link_token(invited)}/")
    assert phone.locator("h1").inner_text() == "Com'è andata?"
    assert phone.locator("[data-testid=survey-store]").inner_text() == "Milano Duomo"
    assert fits(phone), "the page is no wider than the phone"
    phone.screenshot(path="/tmp/omni-feedback-survey-it.png", full_page=True)

    tab_to(phone, "nps-0")  # the first radio of the group takes the focus
    assert label_outline(phone, "nps-0") != "none", "the focus can be seen"
    for _ in range(9):
        phone.keyboard.press("ArrowRight")  # the arrows choose within the group
    assert focused(phone) == "nps-9" and phone.is_checked("#nps-9")
    phone.keyboard.press("Tab")  # on to the satisfaction question
    assert focused(phone) == "csat-1"
    phone.keyboard.press("Space")
    for _ in range(3):
        phone.keyboard.press("ArrowRight")
    assert phone.is_checked("#csat-4")
    tab_to(phone, "id_comment")
    phone.keyboard.type("Tutto pronto in orario.")
    phone.keyboard.press("Tab")
    assert phone.evaluate("() => document.activeElement.dataset.testid") == "survey-submit"
    phone.keyboard.press("Enter")
    phone.wait_for_load_state("networkidle")

    assert phone.locator("[data-testid=survey-thanks] h1").inner_text() == "Grazie!"
    answer = Response.objects.get()
    assert (answer.nps, answer.csat, answer.ces, answer.comment) == (9, 4, None, "Tutto pronto in orario.")
    assert answer.language == "it"

    # the link again: answered, kindly
    phone.goto(phone.base_url + f"/feedback/s/{link_token(invited)}/")
    assert phone.locator("h1").inner_text() == "Hai già risposto, grazie"


def test_in_english_without_javascript_by_tapping(phone_without_js):
    page = phone_without_js
    milano = store()
    invited = invitation(milano, language="it")  # sent in Italian; the visitor switches to English
    page.goto(page.base_url + f"/feedback/s/{link_token(invited)}/")
    assert page.locator("h1").inner_text() == "Com'è andata?"
    page.click("[data-testid=lang-en]")  # Django's set_language form: a plain POST
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "How did it go?"
    assert page.get_attribute("html", "lang") == "en"
    assert fits(page)
    page.set_viewport_size({"width": 360, "height": 740})  # the narrowest phone the page is built for
    assert fits(page)
    width = page.evaluate("() => document.querySelector('label[for=nps-0]').getBoundingClientRect().width")
    assert width >= 44, "touch targets of 44 px at 360 px too"
    page.screenshot(path="/tmp/omni-feedback-survey-en.png", full_page=True)

    page.click("[data-testid=survey-submit]")  # nothing chosen: the error next to the question
    page.wait_for_load_state("networkidle")
    assert (
        page.locator("[data-testid=error-nps]").inner_text().strip() == "Please choose a number from 0 to 10."
    )
    assert fits(page)

    page.click("label[for=nps-7]")
    page.click("label[for=csat-5]")
    page.fill("#id_comment", "Friendly staff.")
    page.click("[data-testid=survey-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=survey-thanks] h1").inner_text() == "Thank you!"
    answer = Response.objects.get()
    assert (answer.nps, answer.csat, answer.comment, answer.language) == (7, 5, "Friendly staff.", "en")
