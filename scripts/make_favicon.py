"""Draw static/favicon.ico: a white "C" on GOV.UK black, at 16, 32 and 48 pixels.

Run it again only to change the icon: `python scripts/make_favicon.py`. Only the standard
library is used, so the file can be remade anywhere.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

BLACK = (0x0B, 0x0C, 0x0C, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


def pixel(size: int, x: int, y: int) -> tuple[int, int, int, int]:
    """A ring with its right-hand side open; four samples a pixel smooth the edge."""
    hits = 0
    for dx, dy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        cx, cy = (x + dx) / size - 0.5, (y + dy) / size - 0.5
        r = math.hypot(cx, cy)
        angle = abs(math.degrees(math.atan2(cy, cx)))
        if 0.2 <= r <= 0.36 and angle >= 45:
            hits += 1
    mix = hits / 4
    return tuple(round(b + (w - b) * mix) for b, w in zip(BLACK, WHITE, strict=True))


def png(size: int) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(size, x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def ico(sizes: tuple[int, ...] = (16, 32, 48)) -> bytes:
    images = [png(size) for size in sizes]
    offset = 6 + 16 * len(images)
    directory = b""
    for size, image in zip(sizes, images, strict=True):
        directory += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return struct.pack("<HHH", 0, 1, len(images)) + directory + b"".join(images)


if __name__ == "__main__":
    OUT.write_bytes(ico())
    print(f"wrote {OUT}")
