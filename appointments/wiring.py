"""What the appointments app registers with the apps below it, which never import it
(AppointmentsConfig.ready): the appointments report (omni.reports), the dashboard panel of today's
appointments (omni.dashboard), a person's appointments in their GDPR export (loyalty.customer_extras), their
erasure with the person and, when two customers are merged, the duplicate's appointments following the kept
person (loyalty.signals)."""

from __future__ import annotations


def register() -> None:
    from appointments.panels import appointments_panel
    from appointments.reports import AppointmentsReport
    from appointments.services.privacy import appointments_export, on_customer_erased, on_customers_merged
    from loyalty.customer_extras import register_export_section
    from loyalty.signals import customer_erased, customers_merged
    from omni.dashboard import register_panel
    from omni.reports.base import register_report

    customer_erased.connect(on_customer_erased, dispatch_uid="appointments.privacy.customer_erased")
    customers_merged.connect(on_customers_merged, dispatch_uid="appointments.privacy.customers_merged")
    register_export_section("appointments", appointments_export)
    register_report(AppointmentsReport())
    register_panel(appointments_panel)
