"""What the offline app registers with the apps below it, which never import it (OfflineConfig.ready): the
dashboard's panel of the store tablets."""

from __future__ import annotations

from omni.dashboard import register_panel


def register() -> None:
    from offline.panels import tablets_panel

    register_panel(tablets_panel)
