"""What the feedback app registers with the apps below it, which never import it (FeedbackConfig.ready)."""

from __future__ import annotations


def register() -> None:
    # feedback-reports: the three reports (omni.reports) and the follow-ups panel (omni.dashboard)
    from feedback.panels import follow_ups_panel
    from feedback.reports import register as register_reports
    from omni.dashboard import register_panel

    register_reports()
    register_panel(follow_ups_panel)
    # feedback-core: the person's feedback in the GDPR export, erased with them, following a merge (loyalty)
    from feedback.services.privacy import (
        feedback_export,
        forget_feedback_on_orders,
        on_customer_erased,
        on_customers_merged,
    )
    from loyalty.customer_extras import register_export_section
    from loyalty.signals import customer_erased, customers_merged
    from orders.privacy_extras import register_order_erasure

    register_export_section("feedback", feedback_export)
    register_order_erasure("feedback.comments", forget_feedback_on_orders)
    customer_erased.connect(on_customer_erased, dispatch_uid="feedback.privacy.customer_erased")
    customers_merged.connect(on_customers_merged, dispatch_uid="feedback.privacy.customers_merged")
    # feedback-invitations: the survey's QR code on a sale's printed receipt (orders)
    from feedback.receipts import receipt_survey
    from orders.receipt_extras import register_receipt_section

    register_receipt_section("feedback.survey", receipt_survey)
    return None
