from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Catalog and stock")

    def ready(self) -> None:
        from inventory import reports
        from inventory.panels import adjustment_approvals_panel, catalog_panel, stock_panel
        from omni.dashboard import register_panel

        register_panel(stock_panel)
        register_panel(adjustment_approvals_panel)
        register_panel(catalog_panel)
        reports.register()
