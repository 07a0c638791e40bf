#!/usr/bin/env python3
"""Writes the seed corpus in corpus/<target>/ (small valid and invalid inputs). Run from
tests/fuzz; the outputs are committed. Crash regressions found by fuzzing are added by hand
as corpus/<target>/crash-*."""
import gzip
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def st(header, data, pad=True):
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


# safetensors
out("safetensors", "valid_two", st({"__metadata__": {"format": "pt"},
                                    "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                                    "b": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]}},
                                   struct.pack("<4f", 1, 2, 3, 4) + b"\x00\x3c\x00\x40\x00\xc0"))
out("safetensors", "valid_dtypes", st({"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]},
                                       "y": {"dtype": "F64", "shape": [], "data_offsets": [2, 10]},
                                       "z": {"dtype": "I64", "shape": [1], "data_offsets": [10, 18]},
                                       "w": {"dtype": "BOOL", "shape": [0, 3], "data_offsets": [18, 18]},
                                       "v": {"dtype": "U8", "shape": [2], "data_offsets": [18, 20]}},
                                      bytes(range(20)), pad=False))
out("safetensors", "empty_header", st({}, b""))
out("safetensors", "overlap", st({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                                  "b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, bytes(6)))
out("safetensors", "size_mismatch", st({"a": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 40]}},
                                       bytes(40)))
out("safetensors", "bad_json", struct.pack("<Q", 9) + b'{"a": [1,')
out("safetensors", "lying_length", struct.pack("<Q", 1 << 40) + b"{}")

# png: the unit-test fixtures plus a truncated one
fx = os.path.join(HERE, "..", "fixtures", "io")
os.makedirs(os.path.join(HERE, "corpus", "png"), exist_ok=True)
for n in ("palette_trns.png", "gray16.png", "gray_alpha.png", "gray1.png", "rgba16.png", "palette.png"):
    shutil.copy(os.path.join(fx, n), os.path.join(HERE, "corpus", "png", n))
with open(os.path.join(fx, "palette_trns.png"), "rb") as f:
    out("png", "truncated.png", f.read()[:60])
out("png", "signature_only", b"\x89PNG\r\n\x1a\n")

# idx
i16 = bytes([0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + struct.pack(">6h", -3, -2, -1, 0, 1, 2)
u8 = bytes([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]) + bytes(range(8))
f64 = bytes([0, 0, 0x0E, 1, 0, 0, 0, 2]) + struct.pack(">2d", 0.5, -3.0)
out("idx", "i16.idx", i16)
out("idx", "u8.idx", u8)
out("idx", "f64.idx", f64)
out("idx", "u8.idx.gz", gzip.compress(u8, mtime=0))
out("idx", "i16.idx.gz", gzip.compress(i16, mtime=0))
out("idx", "truncated.gz", gzip.compress(u8, mtime=0)[:-6])
out("idx", "trailing.idx", u8 + b"xx")
out("idx", "bad_magic", b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")

# json
out("json", "unet_config.json", json.dumps({
    "_class_name": "UNet2DModel", "sample_size": 32, "in_channels": 3, "layers_per_block": 2,
    "block_out_channels": [64, 128], "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
    "norm_eps": 1e-6, "center_input_sample": False, "attention_head_dim": None}, indent=1).encode())
out("json", "scheduler.json", b'{"beta_start": 0.0001, "beta_end": 0.02, "clip_sample": true, "steps": 1000.0}')
out("json", "array_top.json", b"[1, 2, 3]")
out("json", "bad.json", b'{"a": 1,, }')
out("json", "dup.json", b'{"a": 1, "a": 2}')
out("json", "unicode.json", '{"name": "caf\u00e9 \\u00e9\\ud83d\\ude00", "x": [1, "y", null]}'.encode())
