"""The survey's QR code on a till sale's printed receipt (orders.receipt_extras, registered by feedback): the
QR code of the sale's survey link and a short link under it; one receipt invitation per sale, the same on
every reprint, made without consent (nothing is sent); none on the gift receipt; none for an order that is
not a completed till sale."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from feedback.links import link_token, receipt_check
from feedback.models import Invitation, InvitationChannel, Touchpoint
from feedback.services.invitations import receipt_invitation
from tests.feedback.invite_helpers import pickup, store, till_sale
from tests.loyalty.factories import OrderLineFactory
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milano():  # type: ignore[no-untyped-def]
    return store()


@pytest.fixture
def sale(milano):  # type: ignore[no-untyped-def]
    order = till_sale(milano, email="")  # an anonymous sale: the receipt asks all the same
    OrderLineFactory(order=order, unit_price=Decimal("19.90"), line_total=Decimal("19.90"))
    return order


@pytest.fixture
def cashier(client, milano):  # type: ignore[no-untyped-def]
    user = UserFactory(username="anna-fb", first_name="Anna", role="associate", locations=[milano])
    client.force_login(user)
    return user


def test_the_receipt_carries_the_surveys_qr_code_and_short_link(client, cashier, sale, settings):
    settings.OMNI_BASE_URL = "https://shop.example"
    html = client.get(f"/orders/{sale.number}/receipt/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    printed = Invitation.objects.get(source_key=f"receipt:{sale.number}")
    assert printed.channel == InvitationChannel.RECEIPT and printed.touchpoint == Touchpoint.STORE
    assert (
        printed.order_id == sale.pk and printed.location_id == sale.location_id and printed.customer is None
    )
    assert printed.sent_at is None and printed.email == "" and printed.language == ""
    section = html.split('data-testid="receipt-survey"')[1].split("</section>")[0]
    short = f"shop.example/feedback/r/{sale.number}/{receipt_check(sale.number)}/"
    assert f'data-link="https://{short}"' in section  # what the QR code holds
    assert "<svg" in section and 'class="qrcode"' in section
    assert f'data-testid="receipt-survey-short">{short}<' in section
    assert "feedback/receipt.css" in html
    # inside the slip, above its foot (the barcode of the order number)
    assert html.index('data-testid="receipt-survey"') < html.index('data-testid="receipt-barcode"')

    again = client.get(f"/orders/{sale.number}/receipt/").content.decode()
    assert Invitation.objects.count() == 1
    assert f'data-link="https://{short}"' in again  # a reprint: the same link, the same invitation


def test_the_gift_receipt_has_no_survey(client, cashier, sale):
    html = client.get(f"/orders/{sale.number}/gift-receipt/").content.decode()
    assert 'data-testid="gift-receipt"' in html and "receipt-survey" not in html
    assert not Invitation.objects.exists()


def test_only_completed_till_sales_get_a_receipt_invitation(milano):
    assert receipt_invitation(pickup(milano)) is None
    placed = till_sale(milano)
    placed.status = "cancelled"
    assert receipt_invitation(placed) is None
    assert not Invitation.objects.exists()


def test_the_qr_codes_link_opens_the_survey_without_login(client, cashier, sale, settings):
    settings.OMNI_BASE_URL = ""
    html = client.get(f"/orders/{sale.number}/receipt/").content.decode()
    link = re.search(r'data-link="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    client.logout()
    printed = Invitation.objects.get()
    leads = client.get(link)
    assert leads.status_code == 302 and leads["Location"] == f"/feedback/s/{link_token(printed)}/"
    survey = client.get(link, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert (
        survey.status_code == 200
        and b"How satisfied were you with your visit to our store?" in survey.content
    )
    assert b"Milano Duomo" in survey.content
    # no language of its own: the page speaks the phone's
    assert b'<html lang="it">' in client.get(link, HTTP_ACCEPT_LANGUAGE="it", follow=True).content
