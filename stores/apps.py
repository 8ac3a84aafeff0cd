from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "stores"
    verbose_name = _("Locations")

    def ready(self) -> None:
        from omni.actors import register_user_locations
        from omni.reports.base import register_filter
        from stores.reports import location_filter
        from stores.selectors import location_ids_of_user

        register_filter(location_filter)
        register_user_locations(location_ids_of_user)
