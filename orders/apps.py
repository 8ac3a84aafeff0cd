from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from omni.dashboard import register_panel
        from orders.panels import orders_panel

        register_panel(orders_panel)
