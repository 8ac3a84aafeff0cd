"""The customer page's preferences and consent in a real browser, in Italian (the default), on a tablet
and at 768px: an associate records a consent the customer states at the counter and edits the sizes; the
history names them, the touchpoint and the store; nothing is wider than the screen."""

import pytest

from loyalty.models import ConsentEvent, Customer
from loyalty.services import enroll_member, record_consent
from omni.actors import Actor
from tests.conftest import browser_login
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()


def test_an_associate_records_a_consent_and_the_sizes_stated_at_the_counter(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso", kind="store")
    UserFactory(username="giulia", role="associate", locations=[store])
    member = enroll_member(email="anna@example.it", first_name="Anna", last_name="Blu", actor=HQ)
    record_consent(
        customer=member.customer, purpose="marketing", channel="email", granted=True, source="web", actor=HQ
    )
    browser_login(page, "giulia")
    page.goto(page.base_url + f"/loyalty/customers/{member.customer_id}/")
    assert "Sì" in page.locator("[data-testid=consent-marketing-email]").inner_text()
    assert "Negozio online" in page.locator("[data-testid=consent-history]").inner_text()

    page.click("[data-testid=record-consent]")  # opens the form (a <details>: no script needed)
    form = page.locator("[data-testid=consent-form]")
    form.locator("[data-testid=consent-purpose]").select_option("marketing")
    form.locator("[data-testid=consent-channel]").select_option("email")
    form.locator("input[name=granted][value=no]").check()
    with page.expect_navigation():
        form.locator("[data-testid=consent-submit]").click()
    page.wait_for_load_state("networkidle")
    assert "No" in page.locator("[data-testid=consent-marketing-email]").inner_text()
    latest = ConsentEvent.objects.order_by("-id").first()
    assert (latest.source, latest.actor_label, latest.location_id, latest.granted) == (
        "store",
        "giulia",
        store.pk,
        False,
    )
    row = page.locator(f"[data-testid=consent-event-{latest.pk}]").inner_text()
    assert "giulia" in row and "In negozio (personale)" in row and "Milano Corso" in row

    page.click("[data-testid=edit-preferences]")
    page.locator("[data-testid=pref-location]").select_option("MI-CORSO")
    page.fill("[data-testid=pref-sizes]", "tops M")  # no colon: a form error, the text kept
    with page.expect_navigation():
        page.click("[data-testid=preferences-submit]")
    assert page.locator("[data-testid=pref-sizes]").input_value() == "tops M"
    assert "Riga 1" in page.locator("[data-testid=preferences-form]").inner_text()
    page.fill("[data-testid=pref-sizes]", "tops: M\nshoes: 38")
    with page.expect_navigation():
        page.click("[data-testid=preferences-submit]")
    page.wait_for_load_state("networkidle")
    assert "shoes: 38" in page.locator("[data-testid=pref-sizes-shown]").inner_text()
    customer = Customer.objects.get(pk=member.customer_id)
    assert customer.preferred_location_id == store.pk and customer.sizes == {"tops": "M", "shoes": "38"}

    for width in (768, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (width, overflow)
    page.screenshot(path="/tmp/omni-browser-consent.png", full_page=True)
