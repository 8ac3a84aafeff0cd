"""Draws the installable app's PNG icons (offline/static/offline/icon-192.png and icon-512.png): the favicon's
design (a white ring on the brand blue, rounded corners), antialiased, written with the standard library only
(zlib + struct: Pillow is not a dependency of the project). Run again after changing the design:

    .venv/bin/python tools/offline_icons.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

BRAND = (0x1F, 0x4E, 0x79)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "offline" / "static" / "offline"


def _coverage(distance: float) -> float:
    """How much of a pixel a shape covers, given the signed distance of the pixel's centre to its edge
    (negative inside): a one-pixel ramp, enough antialiasing for an icon."""
    return min(1.0, max(0.0, 0.5 - distance))


def _pixel(x: float, y: float, size: int) -> tuple[int, int, int, int]:
    # the favicon is 32 units: a square with corners of radius 7, a ring of radius 8.5 and width 3.5
    unit = size / 32.0
    cx = cy = size / 2.0
    half = size / 2.0
    corner = 7 * unit
    qx, qy = abs(x - cx) - (half - corner), abs(y - cy) - (half - corner)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - corner
    square = _coverage(outside)
    ring = _coverage(abs(math.hypot(x - cx, y - cy) - 8.5 * unit) - 1.75 * unit)
    red, green, blue = (round(b + (w - b) * ring) for b, w in zip(BRAND, WHITE, strict=True))
    return red, green, blue, round(255 * square)


def png(size: int) -> bytes:
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(_pixel(x + 0.5, y + 0.5, size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))
        print(f"wrote {OUT / f'icon-{size}.png'}")


if __name__ == "__main__":
    main()
