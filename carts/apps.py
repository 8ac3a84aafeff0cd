from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CartsConfig(AppConfig):
    name = "carts"
    verbose_name = _("Carts")

    def ready(self) -> None:
        from carts import page_sections, wiring

        wiring.register()  # the till's cart checkout, open carts on the customer page, the carts report
        page_sections.register()  # "bought together" on the SKU page, the wishlist on the customer page
