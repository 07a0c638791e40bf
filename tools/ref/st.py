"""Pure-python safetensors read/write for torch tensors (no `safetensors` package needed).

Format (https://github.com/huggingface/safetensors):
  8 bytes   little-endian u64 N = length of the JSON header
  N bytes   JSON: {"__metadata__": {str: str}, NAME: {"dtype", "shape", "data_offsets": [begin, end]}}
            offsets are relative to the start of the data section; we pad the header with spaces
            to a multiple of 8 (as the reference writer does) so the data section is aligned
  rest      raw little-endian tensor bytes, tensors packed in name order without gaps

Supported dtypes: F32, F16, F64, I64, I32, U8 (BOOL/BF16 are not needed by vkgen fixtures).
"""
import json
import struct
import sys

import numpy as np
import torch

_TO_ST = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.uint8: "U8",
}
_FROM_ST = {v: k for k, v in _TO_ST.items()}
_NP = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def save_file(tensors, path, metadata=None):
    """Write a dict name -> torch.Tensor. Tensors are made contiguous; names sorted."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name]
        if not isinstance(t, torch.Tensor):
            raise TypeError("%s: not a torch.Tensor" % name)
        t = t.detach().cpu().contiguous()
        if t.dtype not in _TO_ST:
            raise TypeError("%s: unsupported dtype %s" % (name, t.dtype))
        st = _TO_ST[t.dtype]
        raw = t.numpy().astype(_NP[st], copy=False).tobytes()
        header[name] = {"dtype": st, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hjson = json.dumps(header, separators=(",", ":"), sort_keys=False).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def load_file(path, with_metadata=False):
    """Read a .safetensors file into a dict name -> torch.Tensor (copies, writable)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: file shorter than 8 bytes" % path)
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError("%s: header length %d beyond file size %d" % (path, n, len(data)))
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        st = info["dtype"]
        if st not in _FROM_ST:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, st))
        b, e = info["data_offsets"]
        shape = info["shape"]
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * np.dtype(_NP[st]).itemsize or base + e > len(data):
            raise ValueError("%s: tensor %s: bad offsets %s for shape %s" % (path, name, (b, e), shape))
        arr = np.frombuffer(data, dtype=_NP[st], count=count, offset=base + b).reshape(shape)
        out[name] = torch.from_numpy(arr.copy())
    return (out, meta) if with_metadata else out


if __name__ == "__main__":
    # Usage: st.py FILE.safetensors  -> lists tensors
    for p in sys.argv[1:]:
        ts, meta = load_file(p, with_metadata=True)
        print(p, "metadata:", meta)
        for k in sorted(ts):
            t = ts[k]
            print("  %-60s %-8s %s" % (k, _TO_ST[t.dtype], list(t.shape)))
