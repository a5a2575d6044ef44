"""Sample logo files, written where a test asks: SVGs of a chosen size, a real PNG, broken files."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

SVG_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'


def svg(path: Path, *, approx_bytes: int = 600, seed: int = 16, color: str = "#6a1b9a") -> Path:
    """A valid SVG logo (a 3:1 box) of about ``approx_bytes``, padded with random polyline points:
    random numbers compress badly, so the gzip size grows with the file."""
    rng = random.Random(seed)
    body = [SVG_HEAD, f'<rect width="40" height="40" rx="8" fill="{color}"/>']
    size = sum(map(len, body)) + 60
    points = []
    while size < approx_bytes:
        point = f"{rng.randint(44, 118)},{rng.randint(2, 38)}"
        points.append(point)
        size += len(point) + 1
    if points:
        body.append(f'<polyline fill="none" stroke="{color}" points="{" ".join(points)}"/>')
    body.append("</svg>\n")
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(path: Path, width: int = 96, height: int = 32) -> Path:
    """A real PNG (8-bit RGB, one colour) of ``width`` × ``height`` pixels."""
    row = b"\x00" + bytes((0x6A, 0x1B, 0x9A)) * width
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path
