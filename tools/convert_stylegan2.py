#!/usr/bin/env python3
"""Convert a StyleGAN2-ADA network snapshot (.pkl) to a vkgen model folder (StyleGAN2Generator).

    python3 tools/convert_stylegan2.py network-snapshot.pkl models/stylegan2-ffhq [--net G_ema]

The input is the pickle NVlabs stylegan2-ada-pytorch's training loop writes (network-snapshot-*.pkl, the
files its README links): a dict {'G', 'D', 'G_ema', 'augment_pipe', 'training_set_kwargs'} whose networks
are torch_utils.persistence objects. Each unpickles through `_reconstruct_persistent_obj(meta)` where
meta['state'] is the module's __dict__ (_parameters, _buffers, _modules, _init_kwargs, ...).

This script needs neither the stylegan2-ada source, nor network access, nor torch: a custom Unpickler
maps the persistence hook, dnnlib.EasyDict and torch's tensor rebuild functions to small stand-ins; tensor
storages (torch.save zip records inside the pickle) are read with zipfile. The output folder holds
config.json ({"_class_name": "StyleGAN2Generator", z_dim, c_dim, w_dim, img_resolution, img_channels,
channel_base, channel_max, num_fp16_res, conv_clamp, architecture, mapping_layers, num_ws}) and
model.safetensors with the G_ema state_dict names (mapping.fc0.weight, ..., synthesis.b4.const, ...) in
float32. Legacy TensorFlow pickles (StyleGAN2 original) are refused: convert them with stylegan2-ada's
legacy.py first.
"""
import argparse
import codecs
import collections
import io
import json
import math
import os
import pickle
import struct
import sys
import zipfile

_DTYPES = {"FloatStorage": ("f", 4), "HalfStorage": ("e", 2), "DoubleStorage": ("d", 8),
           "LongStorage": ("q", 8), "IntStorage": ("i", 4)}


class Tensor:
    """A dense tensor: flat list of Python floats (row-major) and its shape."""

    def __init__(self, values, shape):
        self.values, self.shape = values, list(shape)


class Storage:
    def __init__(self, kind, raw):
        fmt, size = _DTYPES[kind]
        self.values = list(struct.unpack("<%d%s" % (len(raw) // size, fmt), raw))
        self.integer = fmt in "qi"


class _StorageType:
    def __init__(self, name):
        self.name = name


class _StorageUnpickler(pickle.Unpickler):
    """Unpickles a torch.save record whose storages come from `read(key, kind)`."""

    def __init__(self, f, read):
        super().__init__(f)
        self.read, self.pending = read, []

    def find_class(self, module, name):
        if name in _DTYPES:
            return _StorageType(name)
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        raise pickle.UnpicklingError("unexpected %s.%s in a storage record" % (module, name))

    def persistent_load(self, pid):  # ('storage', storage_type, key, location, numel[, view])
        kind = pid[1].name if isinstance(pid[1], _StorageType) else str(pid[1])
        if kind not in _DTYPES:
            raise pickle.UnpicklingError("storage type %s is not supported" % kind)
        return self.read(str(pid[2]), kind)


def _load_storage_bytes(blob):
    """torch.storage._load_from_bytes: a torch.save record holding one storage (torch pickles
    storages with the legacy format; the zip format is read too)."""
    if zipfile.is_zipfile(io.BytesIO(blob)):
        z = zipfile.ZipFile(io.BytesIO(blob))
        prefix = z.namelist()[0].split("/")[0]
        u = _StorageUnpickler(io.BytesIO(z.read("%s/data.pkl" % prefix)),
                              lambda key, kind: Storage(kind, z.read("%s/data/%s" % (prefix, key))))
        return u.load()
    # legacy: magic, protocol version, sys info, the object, its storage keys, then per key an
    # int64 element count and the raw little-endian data
    f = io.BytesIO(blob)
    plain = pickle.Unpickler
    if plain(f).load() != 0x1950a86a20f9469cfc6c:
        raise SystemExit("tensor storage record: bad torch.save magic number")
    plain(f).load()
    plain(f).load()
    kinds = {}
    u = _StorageUnpickler(f, lambda key, kind: kinds.setdefault(key, [kind, None]))
    obj = u.load()
    for key in plain(f).load():
        kind = kinds[key][0]
        n = struct.unpack("<q", f.read(8))[0]
        kinds[key][1] = Storage(kind, f.read(n * _DTYPES[kind][1]))
    if not (isinstance(obj, list) and isinstance(obj[1], Storage)):
        raise SystemExit("tensor storage record: expected one storage")
    return obj[1]


def _rebuild_tensor_v2(storage, offset, size, stride, *_):
    n = 1
    for s in size:
        n *= s
    vals = storage.values
    if n == 0:
        return Tensor([], size)
    contiguous = all(stride[i] == math.prod(size[i + 1:]) for i in range(len(size)))
    if contiguous:
        return Tensor(vals[offset:offset + n], size)
    out = []
    idx = [0] * len(size)
    for _ in range(n):
        out.append(vals[offset + sum(i * s for i, s in zip(idx, stride))])
        for d in range(len(size) - 1, -1, -1):
            idx[d] += 1
            if idx[d] < size[d]:
                break
            idx[d] = 0
    return Tensor(out, size)


def _rebuild_parameter(data, *_):
    return data


class Persistent:
    """A torch_utils.persistence object: class name and its state (the module's __dict__)."""

    def __init__(self, meta):
        self.class_name = meta.get("class_name")
        self.state = meta.get("state") or {}


class EasyDict(dict):
    pass


class Opaque:
    """Anything else in the snapshot (augment pipe internals, numpy scalars, ...): kept, never used."""

    def __init__(self, *args, **kwargs):
        self.args = args

    def __setstate__(self, state):
        self.state = state

    def __call__(self, *args, **kwargs):
        return Opaque(*args)


class SnapshotUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "torch_utils.persistence" and name == "_reconstruct_persistent_obj":
            return Persistent
        if module.startswith("dnnlib") and name == "EasyDict":
            return EasyDict
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module in ("torch.serialization", "torch.storage") and name == "_load_from_bytes":
            return _load_storage_bytes
        if module == "_codecs" and name == "encode":  # bytes in pickle protocol 2
            return codecs.encode
        if module == "builtins" and name in ("set", "frozenset", "slice", "range", "complex"):
            return getattr(__builtins__, name) if hasattr(__builtins__, name) else __builtins__[name]
        if module.startswith(("tensorflow", "dnnlib.tflib")):
            raise SystemExit("this is a TensorFlow StyleGAN2 pickle: convert it with stylegan2-ada-pytorch's "
                             "legacy.py (python legacy.py --source=IN.pkl --dest=OUT.pkl) first")
        return Opaque


def state_dict(obj, prefix=""):
    """The state_dict of a Persistent module tree: parameters and buffers by dotted name."""
    out = collections.OrderedDict()
    st = obj.state
    for group in ("_parameters", "_buffers"):
        for k, v in (st.get(group) or {}).items():
            if v is not None:
                out[prefix + k] = v
    for k, child in (st.get("_modules") or {}).items():
        if child is None:
            continue
        if not isinstance(child, Persistent):
            raise SystemExit("%s%s: module of an unknown kind (not a stylegan2-ada network)" % (prefix, k))
        out.update(state_dict(child, prefix + k + "."))
    return out


def save_safetensors(tensors, path, metadata):
    header = {"__metadata__": metadata}
    blobs, off = [], 0
    for name in sorted(tensors):
        t = tensors[name]
        raw = struct.pack("<%df" % len(t.values), *t.values)
        header[name] = {"dtype": "F32", "shape": t.shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def config_of(g, sd):
    kw = dict(g.state.get("_init_kwargs") or {})
    syn = dict(kw.get("synthesis_kwargs") or {})
    mp = dict(kw.get("mapping_kwargs") or {})
    for key in ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels"):
        if key not in kw:
            kw[key] = g.state.get(key)
        if kw[key] is None:
            raise SystemExit("the generator has no %s in its init kwargs" % key)
    nmap = 0
    while "mapping.fc%d.weight" % nmap in sd:
        nmap += 1
    res = int(kw["img_resolution"])
    cfg = {"_class_name": "StyleGAN2Generator", "z_dim": int(kw["z_dim"]), "c_dim": int(kw["c_dim"]),
           "w_dim": int(kw["w_dim"]), "img_resolution": res, "img_channels": int(kw["img_channels"]),
           "channel_base": int(syn.get("channel_base", 32768)), "channel_max": int(syn.get("channel_max", 512)),
           "num_fp16_res": int(syn.get("num_fp16_res", 0)), "conv_clamp": syn.get("conv_clamp"),
           "architecture": syn.get("architecture", "skip"), "mapping_layers": int(mp.get("num_layers", nmap)),
           "num_ws": 2 * (int(round(math.log2(res))) - 1)}
    if cfg["mapping_layers"] != nmap:
        raise SystemExit("mapping num_layers %d but the weights have %d layers" % (cfg["mapping_layers"], nmap))
    return cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pkl", help="network-snapshot-*.pkl from stylegan2-ada-pytorch")
    ap.add_argument("out", help="model folder to write")
    ap.add_argument("--net", default="G_ema", help="which network of the snapshot (default G_ema)")
    a = ap.parse_args()
    with open(a.pkl, "rb") as f:
        try:
            data = SnapshotUnpickler(f).load()
        except (pickle.UnpicklingError, EOFError, ValueError) as e:
            raise SystemExit("%s: not a readable network snapshot pickle: %s" % (a.pkl, e))
    if not isinstance(data, dict) or not isinstance(data.get(a.net), Persistent):
        raise SystemExit("%s: expected a snapshot dict with a '%s' network" % (a.pkl, a.net))
    g = data[a.net]
    if g.class_name != "Generator":
        raise SystemExit("%s: '%s' is a %s, not a Generator" % (a.pkl, a.net, g.class_name))
    sd = state_dict(g)
    for k, v in sd.items():
        if not isinstance(v, Tensor):
            raise SystemExit("%s: %s is not a tensor" % (a.pkl, k))
    cfg = config_of(g, sd)
    os.makedirs(a.out, exist_ok=True)
    save_safetensors(sd, os.path.join(a.out, "model.safetensors"),
                     {"format": "pt", "source": os.path.basename(a.pkl), "network": a.net})
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    print("%s: %s %dx%d, %d tensors, %d parameters -> %s" % (
        a.pkl, a.net, cfg["img_resolution"], cfg["img_resolution"], len(sd),
        sum(len(t.values) for t in sd.values()), a.out))


if __name__ == "__main__":
    main()
