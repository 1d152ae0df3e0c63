"""The PNG writer (sim/output/png.py): what Pillow reads back is the picture written, pixel for
pixel, with its resolution and text; opaque pictures are written as RGB, others as RGBA."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import PIL.Image
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.output.png import encode_png, write_png


def read(data: bytes) -> PIL.Image.Image:
    image = PIL.Image.open(io.BytesIO(data))
    image.load()
    return image


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, each CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        out.append((kind, body))
        at += 12 + length
    return out


def test_a_two_by_two_picture_byte_for_byte():
    """Worked out by hand: rows filtered with "Up" (type 2): the first row as it is, the second
    minus the first modulo 256."""
    rgba = np.array([[[10, 20, 30, 255], [200, 0, 5, 255]],
                     [[12, 10, 30, 255], [1, 250, 5, 255]]], dtype=np.uint8)
    data = encode_png(rgba)
    kinds = chunks(data)
    assert [k for k, _ in kinds] == [b"IHDR", b"IDAT", b"IEND"]
    assert kinds[0][1] == struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)  # 2 x 2, 8 bits, RGB
    assert zlib.decompress(kinds[1][1]) == bytes([2, 10, 20, 30, 200, 0, 5,
                                                  2, 2, 246, 0, 57, 250, 0])  # 10-20 = 246, 1-200 = 57 (mod 256)
    assert np.array_equal(np.asarray(read(data)), rgba[:, :, :3])


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(4))), st.booleans())
def test_pillow_reads_back_the_picture_written(rgba, opaque):
    if opaque:
        rgba = rgba.copy()
        rgba[:, :, 3] = 255
    image = read(encode_png(rgba))
    if opaque or (rgba[:, :, 3] == 255).all():
        assert image.mode == "RGB" and np.array_equal(np.asarray(image), rgba[:, :, :3])
    else:
        assert image.mode == "RGBA" and np.array_equal(np.asarray(image), rgba)


def test_a_strided_buffer_is_written_as_its_values():
    """A view (every other column of a larger array) is written like its copy."""
    big = np.random.default_rng(5).integers(0, 256, (7, 12, 4), dtype=np.uint8)
    big[:, :, 3] = 255
    view = big[:, ::2]
    assert encode_png(view) == encode_png(np.ascontiguousarray(view))


def test_resolution_and_text_are_kept(tmp_path):
    rgba = np.full((3, 4, 4), 255, dtype=np.uint8)
    write_png(tmp_path / "a.png", rgba, 150, {"Software": "capsim test"})
    image = PIL.Image.open(tmp_path / "a.png")
    assert image.size == (4, 3)
    assert [round(v) for v in image.info["dpi"]] == [150, 150]
    assert image.info["Software"] == "capsim test"
    assert dict(chunks((tmp_path / "a.png").read_bytes()))[b"pHYs"] == struct.pack(">IIB", 5906, 5906, 1)  # 150 / 0.0254 m
    buffer = io.BytesIO()
    write_png(buffer, rgba, 150, {"Software": "capsim test"})
    assert buffer.getvalue() == (tmp_path / "a.png").read_bytes()


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2, 4), np.float64),
                                 np.zeros((0, 2, 4), np.uint8), np.zeros((2, 2), np.uint8)])
def test_what_is_not_an_rgba_picture_is_refused(bad):
    with pytest.raises(ValueError, match="non-empty \\(height, width, 4\\) uint8"):
        encode_png(bad)
