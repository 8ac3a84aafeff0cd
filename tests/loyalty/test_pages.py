"""The loyalty pages through Django's test client: the lookup box (a scanned card goes straight to the
customer; an email, a phone or a name lists the matches), the customer's 360-degree view, adjustments
(store managers yes, associates no; bad input is a form error, never a 500), merging duplicates and the
GDPR export and erasure (HQ only), the digital card with its Code 128 barcode, and the customer view's
query count, which does not grow with orders and ledger entries."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.services import record_movement
from loyalty import barcodes
from loyalty.models import Customer, LedgerEntry, LedgerKind, Member, MemberStatus
from loyalty.services import adjust, enroll_member, get_or_create_customer
from omni.actors import Actor
from omni.models import AuditEntry
from orders.services import CustomerInput, FulfilmentInput, LineInput, place_order
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()


# --- Data -------------------------------------------------------------------------------------------


@pytest.fixture
def store():
    return LocationFactory(code="MI-01", name="Milano Duomo")


@pytest.fixture
def giulia() -> Member:
    """A member with a phone, marketing consent and 150 points in two lots."""
    member = enroll_member(
        email="giulia.rossi@example.it",
        first_name="Giulia",
        last_name="Rossi",
        phone="333 123 4567",
        marketing_consent=True,
        actor=HQ,
    )
    adjust(member=member, points=100, reason="Welcome gift", actor=HQ)
    adjust(member=member, points=50, reason="Birthday", actor=HQ)
    member.refresh_from_db()
    return member


def login(client: Client, role: str, store=None, username: str | None = None):  # type: ignore[no-untyped-def]
    user = UserFactory(username=username or role, role=role, locations=[store] if store else [])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read English text
    return user


def sell(store, email: str, count: int = 1) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` till sales (carry out, completed at once) to the customer with this email."""
    variant = VariantFactory(product=ProductFactory(name="Sciarpa"), price=Decimal("19.90"))
    record_movement(actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=count)
    return [
        place_order(
            actor=HQ,
            channel="store",
            customer=CustomerInput(email=email),
            lines=[LineInput(variant.sku, 1)],
            fulfilment=FulfilmentInput(type="carry_out", location=store.code),
        ).number
        for _ in range(count)
    ]


def customer_url(member: Member, name: str = "customer") -> str:
    return reverse(f"loyalty:{name}", kwargs={"customer_id": member.customer_id})


# --- 1. The lookup box ---------------------------------------------------------------------------------


def test_a_scanned_card_goes_straight_to_the_customer(client, store, giulia):
    login(client, "associate", store)
    response = client.get(reverse("loyalty:lookup"), {"q": giulia.card_number})
    assert response.status_code == 302
    assert response["Location"] == customer_url(giulia)
    # typed with spaces, as printed on the card
    spaced = f"{giulia.card_number[:1]} {giulia.card_number[1:7]} {giulia.card_number[7:]}"
    assert client.get(reverse("loyalty:lookup"), {"q": spaced})["Location"] == customer_url(giulia)


def test_an_email_lists_the_customer_instead_of_jumping(client, store, giulia):
    login(client, "associate", store)
    response = client.get(reverse("loyalty:lookup"), {"q": "  GIULIA.Rossi@example.it "})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="result-{giulia.customer_id}"' in html
    assert giulia.card_number in html
    # a part of an email lists too
    partial = client.get(reverse("loyalty:lookup"), {"q": "rossi@example"}).content.decode()
    assert f'data-testid="result-{giulia.customer_id}"' in partial


@pytest.mark.parametrize("typed", ["333 123 4567", "+39 333 1234567", "0039 3331234567", "1234567"])
def test_a_phone_number_finds_the_customer(client, store, giulia, typed):
    login(client, "associate", store)
    response = client.get(reverse("loyalty:lookup"), {"q": typed})
    assert response.status_code == 200
    assert f'data-testid="result-{giulia.customer_id}"' in response.content.decode()


def test_a_name_finds_the_customer_and_nobody_else(client, store, giulia):
    enroll_member(email="marco@example.it", first_name="Marco", last_name="Bianchi", actor=HQ)
    login(client, "associate", store)
    html = client.get(reverse("loyalty:lookup"), {"q": "giulia ross"}).content.decode()
    assert f'data-testid="result-{giulia.customer_id}"' in html
    assert "marco@example.it" not in html


def test_an_unknown_card_or_email_says_nobody_matches(client, store, giulia):
    login(client, "associate", store)
    for query in ("2999999999995", "nobody@example.it", "<script>alert(1)</script>"):
        response = client.get(reverse("loyalty:lookup"), {"q": query})
        assert response.status_code == 200
        assert 'data-testid="no-results"' in response.content.decode()
        assert "<script>alert" not in response.content.decode()
    # a misread card (wrong check digit) says so
    misread = giulia.card_number[:-1] + str((int(giulia.card_number[-1]) + 1) % 10)
    html = client.get(reverse("loyalty:lookup"), {"q": misread}).content.decode()
    assert 'data-testid="mistyped-card"' in html
    assert (
        'data-testid="mistyped-card"'
        not in client.get(reverse("loyalty:lookup"), {"q": "x@y.it"}).content.decode()
    )
    # over-long input is a form error, not a 500
    assert client.get(reverse("loyalty:lookup"), {"q": "9" * 400}).status_code == 400


def test_the_lookup_needs_a_login(client, giulia):
    response = client.get(reverse("loyalty:lookup"), {"q": giulia.card_number})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- 2. The customer's 360-degree view -------------------------------------------------------------


def test_the_customer_view_shows_profile_card_orders_ledger_and_lots(client, store, giulia):
    numbers = sell(store, "giulia.rossi@example.it", 2)
    sell(store, "somebody.else@example.it")
    login(client, "associate", store)
    response = client.get(customer_url(giulia))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giulia Rossi" in html
    assert "giulia.rossi@example.it" in html
    assert "+393331234567" in html
    assert 'data-testid="customer-consent"><span class="badge badge-ok">' in html
    assert giulia.card_number in html
    # 150 points to start with, plus 19 for each of the two 19.90 till sales (earned on completion)
    assert re.search(r'data-testid="member-balance">\s*188<', html)
    assert re.search(r'data-testid="member-tier">\s*Bronze', html)
    assert 'data-testid="member-next-tier"' in html
    for number in numbers:
        assert f'data-testid="order-{number}"' in html
        assert reverse("orders:detail", kwargs={"number": number}) in html
    assert html.count('data-testid="order-') - html.count('data-testid="order-status"') == 2
    ledger = html[html.index('data-testid="member-ledger"') :]
    assert ledger.index("Birthday") < ledger.index("Welcome gift"), "newest first"
    assert html.count('data-testid="lot-remaining"') == 4  # two adjustments, two earned on the sales
    # associates see, but do not adjust, merge, export or erase
    for testid in ("adjust-form", "open-merge", "export-form", "open-erase"):
        assert f'data-testid="{testid}"' not in html


def test_the_ledger_is_paginated_newest_first(client, store, giulia):
    for n in range(30):
        adjust(member=giulia, points=1, reason=f"Correction {n}", actor=HQ)
    login(client, "associate", store)
    first = client.get(customer_url(giulia)).content.decode()
    assert "Correction 29" in first and "Welcome gift" not in first
    second = client.get(customer_url(giulia), {"page": 2}).content.decode()
    assert "Welcome gift" in second and "Correction 29" not in second


def test_a_customer_without_a_card_and_an_unknown_id(client, store):
    customer, _ = get_or_create_customer("guest@example.it", first_name="Ospite")
    login(client, "associate", store)
    html = client.get(reverse("loyalty:customer", kwargs={"customer_id": customer.pk})).content.decode()
    assert 'data-testid="not-a-member"' in html
    assert client.get(reverse("loyalty:customer", kwargs={"customer_id": 999999})).status_code == 404
    assert client.get(reverse("loyalty:card", kwargs={"customer_id": customer.pk})).status_code == 404


def test_the_customer_view_costs_the_same_queries_with_1_or_40_orders_and_entries(client, store):
    def member_with(email: str, orders: int, entries: int) -> Member:
        member = enroll_member(email=email, first_name="Anna", actor=HQ)
        for n in range(entries):
            adjust(member=member, points=10, reason=f"entry {n}", actor=HQ)
        sell(store, email, orders)
        return member

    small = member_with("small@example.it", 1, 1)
    big = member_with("big@example.it", 40, 40)
    login(client, "store_manager", store)
    counts = []
    for member in (small, big):
        client.get(customer_url(member))  # warm the session and the content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get(customer_url(member))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # 23 today: the session, the user, the location, then the page (with its segments, carts and wishlist,
    # and 2 for preferences and consent: the consent history and the locations' cache version)
    assert counts[1] <= 24, counts


# --- 3. Adjustments -----------------------------------------------------------------------------------------


def test_a_store_manager_adjusts_points_audited(client, store, giulia):
    manager = login(client, "store_manager", store)
    assert 'data-testid="adjust-form"' in client.get(customer_url(giulia)).content.decode()
    response = client.post(
        customer_url(giulia, "adjust"), {"points": "-30", "reason": "Points given twice by mistake"}
    )
    assert response.status_code == 302
    assert response["Location"] == customer_url(giulia)
    giulia.refresh_from_db()
    assert giulia.points_balance == 120
    entry = LedgerEntry.objects.filter(member=giulia).first()
    assert entry is not None
    assert (entry.kind, entry.points, entry.user_id) == (LedgerKind.ADJUST, -30, manager.pk)
    assert entry.reason == "Points given twice by mistake"
    assert AuditEntry.objects.filter(action="loyalty.points_adjusted", user=manager, object_id=str(giulia.pk))
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'data-testid="member-balance">\s*120<', page)


def test_an_associate_may_not_adjust(client, store, giulia):
    login(client, "associate", store)
    response = client.post(customer_url(giulia, "adjust"), {"points": "500", "reason": "Because"})
    assert response.status_code == 403
    giulia.refresh_from_db()
    assert giulia.points_balance == 150
    assert LedgerEntry.objects.filter(member=giulia).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"points": "0", "reason": "Nothing"}, "points", "changes nothing"),
        ({"points": "abc", "reason": "Typo"}, "points", ""),
        ({"points": "99999999999", "reason": "Too much"}, "points", ""),
        ({"points": "10", "reason": "   "}, "reason", ""),
        ({"points": "10"}, "reason", ""),
        ({"points": "-151", "reason": "More than the balance"}, "points", "at most 150"),
    ],
)
def test_bad_adjustments_are_form_errors(client, store, giulia, data, field, message):
    login(client, "store_manager", store)
    response = client.post(customer_url(giulia, "adjust"), data)
    assert response.status_code == 400
    form = response.context["adjust_form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert 'data-testid="adjust-form"' in response.content.decode()
    giulia.refresh_from_db()
    assert giulia.points_balance == 150


def test_adjusting_needs_a_post_with_a_csrf_token(store, giulia):
    client = Client(enforce_csrf_checks=True)
    login(client, "store_manager", store)
    assert client.get(customer_url(giulia, "adjust")).status_code == 405
    assert client.post(customer_url(giulia, "adjust"), {"points": "5", "reason": "x"}).status_code == 403
    giulia.refresh_from_db()
    assert giulia.points_balance == 150


# --- 4. Merging duplicates ---------------------------------------------------------------------------


def test_hq_merges_a_duplicate_after_a_preview(client, store, giulia):
    twin = enroll_member(email="g.rossi@example.it", first_name="Giulia", last_name="Rossi", actor=HQ)
    adjust(member=twin, points=40, reason="Welcome gift", actor=HQ)
    login(client, "hq_manager")
    page = client.get(customer_url(giulia)).content.decode()
    assert 'data-testid="open-merge"' in page

    preview = client.get(customer_url(giulia, "merge"), {"duplicate": "G.Rossi@example.it"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'data-testid="merge-preview"' in html
    assert "40 points move" in html
    assert twin.card_number in html

    refused = client.post(customer_url(giulia, "merge"), {"merge": twin.customer_id, "reason": ""})
    assert refused.status_code == 400
    assert "reason" in refused.context["form"].errors
    assert Customer.objects.get(pk=twin.customer_id).merged_into_id is None

    done = client.post(customer_url(giulia, "merge"), {"merge": twin.customer_id, "reason": "Enrolled twice"})
    assert done.status_code == 302
    assert done["Location"] == customer_url(giulia)
    twin.refresh_from_db()
    giulia.refresh_from_db()
    assert twin.status == MemberStatus.MERGED
    assert giulia.points_balance == 190
    assert Customer.objects.get(pk=twin.customer_id).merged_into_id == giulia.customer_id
    # the duplicate's card and email now lead to the kept person
    assert client.get(reverse("loyalty:lookup"), {"q": twin.card_number})["Location"] == customer_url(giulia)
    assert client.get(customer_url(twin))["Location"] == customer_url(giulia)
    assert twin.card_number in client.get(customer_url(giulia)).content.decode()


def test_merging_by_card_and_bad_choices(client, store, giulia):
    twin = enroll_member(email="twin@example.it", actor=HQ)
    login(client, "hq_manager")
    by_card = client.get(customer_url(giulia, "merge"), {"duplicate": twin.card_number})
    assert 'data-testid="merge-preview"' in by_card.content.decode()
    # itself, an unknown id or garbage: a message, never a 500
    for bad in (str(giulia.customer_id), "999999", "abc"):
        response = client.post(customer_url(giulia, "merge"), {"merge": bad, "reason": "x"})
        assert response.status_code == 400
        assert 'data-testid="merge-problem"' in response.content.decode()
    nobody = client.get(customer_url(giulia, "merge"), {"duplicate": "nobody@example.it"})
    assert 'data-testid="no-duplicate"' in nobody.content.decode()
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


@pytest.mark.parametrize("role", ["associate", "store_manager"])
def test_only_hq_merges(client, store, giulia, role):
    twin = enroll_member(email="twin@example.it", actor=HQ)
    login(client, role, store)
    assert client.get(customer_url(giulia, "merge")).status_code == 403
    response = client.post(customer_url(giulia, "merge"), {"merge": twin.customer_id, "reason": "x"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=twin.customer_id).merged_into_id is None


# --- 5. The digital card ----------------------------------------------------------------------------------


def test_the_digital_card_has_a_code128_barcode_and_a_qr_code(client, store, giulia):
    login(client, "associate", store)
    response = client.get(customer_url(giulia, "card"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-code128="{giulia.card_number}"' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox=' in html
    assert 'class="qrcode"' in html
    assert "&lt;svg" not in html, "the SVGs are inlined, not escaped"


def test_code128_encodes_a_known_value():
    # "1234" in code set C: START C, 12, 34, checksum (105 + 1*12 + 2*34) % 103 = 82, STOP; each symbol's
    # widths from the ISO/IEC 15417 table
    assert barcodes.code128_values("1234") == [105, 12, 34, 82, 106]
    widths = ["211232", "112232", "131123", "121241", "2331112"]
    expected = "".join(
        ("1" if i % 2 == 0 else "0") * int(w) for symbol in widths for i, w in enumerate(symbol)
    )
    assert barcodes.code128_modules("1234") == expected
    assert expected.startswith("11010011100")  # START C as printed in the standard
    assert expected.endswith("1100011101011")  # STOP


def test_code128_encodes_a_13_digit_card_and_text():
    # an odd number of digits: six pairs in code set C, then CODE B and the last digit in B
    card = "2912345678906"
    values = barcodes.code128_values(card)
    data = [105, 29, 12, 34, 56, 78, 90, 100, ord("6") - 32]
    assert values[:-2] == data
    assert values[-2] == (105 + sum(i * v for i, v in enumerate(data[1:], 1))) % 103
    assert values[-1] == 106
    modules = barcodes.code128_modules(card)
    assert len(modules) == 11 * (len(values) - 1) + 13
    assert barcodes.code128_values("Omni-1") == [104, 47, 77, 78, 73, 13, 17, 71, 106]
    svg = barcodes.code128_svg(card)
    assert svg.count("<rect ") - 1 == len(re.findall("1+", modules))  # one rect per bar, plus the white
    with pytest.raises(ValueError):
        barcodes.code128_values("")
    with pytest.raises(ValueError):
        barcodes.code128_values("è")


def test_every_code128_pattern_is_well_formed():
    assert len(barcodes.PATTERNS) == 107 and len(set(barcodes.PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in barcodes.PATTERNS[:106])
    assert sum(map(int, barcodes.PATTERNS[106])) == 13


# --- 6. GDPR: export and erasure --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["associate", "store_manager"])
def test_only_hq_exports_or_erases(client, store, giulia, role):
    login(client, role, store)
    assert client.post(customer_url(giulia, "export")).status_code == 403
    assert client.get(customer_url(giulia, "erase")).status_code == 403
    erase = client.post(customer_url(giulia, "erase"), {"reason": "Request 42", "confirm": "on"})
    assert erase.status_code == 403
    assert Customer.objects.get(pk=giulia.customer_id).erased_at is None


def test_hq_downloads_the_export_as_json(client, store, giulia):
    number = sell(store, "giulia.rossi@example.it")[0]
    hq = login(client, "hq_manager")
    assert client.get(customer_url(giulia, "export")).status_code == 405
    response = client.post(customer_url(giulia, "export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith(f'attachment; filename="customer-{giulia.customer_id}-')
    data = json.loads(response.content)
    assert data["customer"]["email"] == "giulia.rossi@example.it"
    assert data["member"]["card_number"] == giulia.card_number
    assert [o["number"] for o in data["orders"]] == [number]
    assert AuditEntry.objects.filter(action="loyalty.customer_exported", user=hq).count() == 1


def test_hq_erases_a_customer_with_a_reason_and_a_confirmation(client, store, giulia):
    old_card = giulia.card_number
    login(client, "hq_manager")
    form = client.get(customer_url(giulia, "erase"))
    assert form.status_code == 200
    assert 'data-testid="erase-form"' in form.content.decode()

    unconfirmed = client.post(customer_url(giulia, "erase"), {"reason": "Request 42"})
    assert unconfirmed.status_code == 400
    assert "confirm" in unconfirmed.context["form"].errors
    no_reason = client.post(customer_url(giulia, "erase"), {"reason": " ", "confirm": "on"})
    assert no_reason.status_code == 400
    assert Customer.objects.get(pk=giulia.customer_id).erased_at is None

    done = client.post(customer_url(giulia, "erase"), {"reason": "Request 42", "confirm": "on"})
    assert done.status_code == 302
    customer = Customer.objects.get(pk=giulia.customer_id)
    assert customer.erased_at is not None
    assert (customer.email, customer.phone, customer.first_name) == ("", "", "")
    page = client.get(customer_url(giulia)).content.decode()
    assert 'data-testid="customer-erased"' in page
    content = page[page.index('data-testid="customer-title"') :]
    assert "giulia.rossi@example.it" not in content and "Giulia" not in content
    assert "3331234567" not in content
    assert AuditEntry.objects.filter(action="loyalty.customer_erased", reason="Request 42").exists()
    # the old card and the email lead nowhere
    assert client.get(reverse("loyalty:lookup"), {"q": old_card}).status_code == 200
    gone = client.get(reverse("loyalty:lookup"), {"q": "giulia.rossi@example.it"}).content.decode()
    assert 'data-testid="no-results"' in gone


# --- The navigation -----------------------------------------------------------------------------------------


def test_the_nav_leads_to_the_lookup(client, store):
    login(client, "associate", store)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("loyalty:lookup")}" data-testid="nav-loyalty"' in html
