from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from inventory.signals import transfer_received, transfer_shipped
        from loyalty.signals import customer_erased
        from omni.dashboard import register_panel
        from orders.loyalty_facts import register as register_loyalty_facts
        from orders.panels import orders_panel, pickup_panel
        from orders.reports import register as register_reports
        from orders.services.privacy import on_customer_erased
        from orders.services.ship_to_store import on_transfer_received, on_transfer_shipped

        register_panel(orders_panel)
        register_panel(pickup_panel)
        register_reports()  # sales by channel, click-and-collect, returns; the "channel" filter
        register_loyalty_facts()  # what loyalty reads of orders (loyalty.order_facts), never importing it
        # Ship to store: inventory tells, without importing orders, when an order's transfer moves.
        transfer_shipped.connect(on_transfer_shipped, dispatch_uid="orders.ship_to_store.shipped")
        transfer_received.connect(on_transfer_received, dispatch_uid="orders.ship_to_store.received")
        # GDPR erasure: loyalty erases the person; the orders' copy goes in the same transaction.
        customer_erased.connect(on_customer_erased, dispatch_uid="orders.privacy.customer_erased")
