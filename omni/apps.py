from django.apps import AppConfig


class OmniConfig(AppConfig):
    name = "omni"
    verbose_name = "Omni platform"

    def ready(self) -> None:
        from omni.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
