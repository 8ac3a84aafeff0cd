"""The survey on a sale's printed receipt (registered with orders.receipt_extras): a QR code of the sale's
short survey link (feedback.links.receipt_short_url, which leads to the survey) printed under it too, for the
customer to answer on their phone. The receipt's
invitation is made the first time the receipt is shown (feedback.services.invitations.receipt_invitation)
and is the same on every reprint; it needs no consent, since nothing is sent to anyone. Gift receipts do
not carry it (the orders app shows no sections on them)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from feedback.links import absolute_url, receipt_short_url
from feedback.services.invitations import receipt_invitation
from loyalty.barcodes import qr_svg
from orders.models import Order


def receipt_survey(request: HttpRequest, order: Order) -> str:
    invitation = receipt_invitation(order)
    if invitation is None:
        return ""
    # the QR code holds the short link (it leads to the survey): fewer modules, sharper on a thermal printer
    link = absolute_url(receipt_short_url(order.number))
    context = {
        "qr": mark_safe(qr_svg(link, scale=3)),  # noqa: S308 - an SVG we drew of our own link
        "short": link.split("://", 1)[-1],
        "link": link,
    }
    return render_to_string("feedback/receipt_survey.html", context, request=request)
