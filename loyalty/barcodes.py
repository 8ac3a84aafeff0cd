"""Barcodes for the printable member card, rendered on the server as inline SVG (no image files, no CDN).

`code128_svg` draws a Code 128 linear barcode (ISO/IEC 15417) that any till scanner reads: digit runs in
code set C (two digits a symbol), everything else in code set B. `qr_svg` draws a QR code with segno."""

from __future__ import annotations

import io

import segno

# The bar/space widths (in modules) of symbol values 0-106: bar, space, bar, space, bar, space; each 11
# modules wide; 103-105 are START A/B/C, 106 is STOP (with its final 2-module bar, 13 modules).
PATTERNS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip

CODE_B, CODE_C = 100, 99  # switch to code set B / C
START_B, START_C, STOP = 104, 105, 106
QUIET_ZONE = 10  # modules of white on each side


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return end - start


def code128_values(text: str) -> list[int]:
    """The symbol values for `text` (printable ASCII): start, data, checksum and stop.

    Code set C is used for a run of digits long enough to save space (the whole value if it is all digits
    and at least 2 long, or 4+ digits at either end, or 6+ in the middle); an odd run leaves its first
    digit in B (or, when the value starts in C, its last digit)."""
    if not text:
        raise ValueError("Nothing to encode.")
    if any(not 32 <= ord(ch) <= 126 for ch in text):
        raise ValueError("Code 128 here encodes printable ASCII only.")

    def wants_c(i: int) -> bool:
        run = _digit_run(text, i)
        at_start, at_end = i == 0, i + run == len(text)
        if at_start and at_end:
            return run >= 2
        return run >= (4 if at_start or at_end else 6)

    values: list[int] = []
    i = 0
    mode = ""
    if wants_c(0):
        values.append(START_C)
        mode = "C"
    else:
        values.append(START_B)
        mode = "B"
    while i < len(text):
        if mode == "C":
            if _digit_run(text, i) >= 2:
                values.append(int(text[i : i + 2]))
                i += 2
                continue
            values.append(CODE_B)
            mode = "B"
            continue
        run = _digit_run(text, i)
        if run and wants_c(i):
            if run % 2:  # an odd run: its first digit in B, the rest in pairs
                values.append(ord(text[i]) - 32)
                i += 1
            values.append(CODE_C)
            mode = "C"
            continue
        values.append(ord(text[i]) - 32)
        i += 1
    checksum = (values[0] + sum(position * value for position, value in enumerate(values[1:], 1))) % 103
    return [*values, checksum, STOP]


def code128_modules(text: str) -> str:
    """The barcode as modules, "1" for bar and "0" for space, without quiet zones."""
    out = []
    for value in code128_values(text):
        for index, width in enumerate(PATTERNS[value]):
            out.append(("1" if index % 2 == 0 else "0") * int(width))
    return "".join(out)


def code128_svg(text: str, *, module: float = 2, height: float = 80, label: str | None = None) -> str:
    """An SVG image of the barcode (one rect per bar), with the human-readable text below unless label=""."""
    modules = code128_modules(text)
    width = (len(modules) + 2 * QUIET_ZONE) * module
    text_height = 0 if label == "" else 22
    rects = []
    x = 0
    while x < len(modules):
        if modules[x] == "1":
            start = x
            while x < len(modules) and modules[x] == "1":
                x += 1
            rects.append(
                f'<rect x="{(start + QUIET_ZONE) * module:g}" y="0" '
                f'width="{(x - start) * module:g}" height="{height:g}"/>'
            )
        else:
            x += 1
    caption = ""
    if label != "":
        shown = _escape(text if label is None else label)
        caption = (
            f'<text x="{width / 2:g}" y="{height + 18:g}" text-anchor="middle" '
            f'font-family="monospace" font-size="16" letter-spacing="2">{shown}</text>'
        )
    total_height = height + text_height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {total_height:g}" '
        f'width="{width:g}" height="{total_height:g}" role="img" aria-label="{_escape(text)}" '
        f'class="barcode" data-code128="{_escape(text)}">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(rects)}</g>{caption}</svg>'
    )


def qr_svg(text: str, *, scale: int = 6) -> str:
    """An SVG QR code of `text` (error correction M, 4-module quiet zone), inline: no XML declaration."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=False,
        svgns=True,
        svgclass="qrcode",
        lineclass=None,
        omitsize=True,
        title=text,
        light="#fff",
    )
    return out.getvalue().decode()


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
