#!/usr/bin/python3
"""Write tests/fixtures/stylegan2/snapshot_cond.pkl: a network snapshot in stylegan2-ada-pytorch's pickle
format holding the stylegan2_cond fixture weights, for testing tools/convert_stylegan2.py without torch.

    /usr/bin/python3 tools/ref/make_stylegan2_pickle.py

The layout is the one torch_utils.persistence writes (checked against a pickle written by the upstream
code, see README.md): a dict {'G', 'D', 'G_ema', 'augment_pipe', 'training_set_kwargs'} whose networks
reduce to torch_utils.persistence._reconstruct_persistent_obj(meta) with meta = {type, version,
module_src, class_name, state}, state being the module's __dict__ (_parameters, _buffers, _modules,
_init_kwargs as a dnnlib EasyDict). Written from our reference modules (stylegan2_ref.py); module_src is a
placeholder string, so the file embeds no upstream source. Tensors are pickled by torch as usual.
"""
import collections
import json
import os
import pickle
import sys
import types

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
import stylegan2_ref as R  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NAMES = {"Generator": "Generator", "Mapping": "MappingNetwork", "Synthesis": "SynthesisNetwork",
         "Block": "SynthesisBlock", "Layer": "SynthesisLayer", "ToRGB": "ToRGBLayer", "FC": "FullyConnectedLayer"}


def _fake_module(name, **attrs):
    m = types.ModuleType(name)
    for k, v in attrs.items():
        v.__module__ = name
        setattr(m, k, v)
    sys.modules[name] = m
    return m


def _reconstruct_persistent_obj(meta):  # only its name is pickled
    raise RuntimeError("not for loading")


class EasyDict(dict):
    pass


_fake_module("torch_utils")
_fake_module("torch_utils.persistence", _reconstruct_persistent_obj=_reconstruct_persistent_obj)
_fake_module("dnnlib")
_fake_module("dnnlib.util", EasyDict=EasyDict)


class Persisted:
    """Pickles as a persistent object wrapping module m."""

    def __init__(self, m, init_kwargs=None):
        self.m, self.init_kwargs = m, init_kwargs

    def __reduce__(self):
        state = {k: v for k, v in self.m.__dict__.items() if k not in ("_modules",)}
        state["_modules"] = collections.OrderedDict((k, Persisted(v)) for k, v in self.m._modules.items())
        state["_parameters"] = collections.OrderedDict((k, v.detach().float().requires_grad_(False)) for k, v in
                                                       self.m._parameters.items())
        state["_buffers"] = collections.OrderedDict((k, v.float()) for k, v in self.m._buffers.items())
        for k in list(state):
            if k.startswith("_") and k not in ("_parameters", "_buffers", "_modules") or callable(state[k]):
                del state[k]
        state["_init_kwargs"] = self.init_kwargs or EasyDict()
        meta = dict(type="class", version=4, module_src="# placeholder: vkgen test pickle, no source",
                    class_name=NAMES[type(self.m).__name__], state=state)
        return (_reconstruct_persistent_obj, (meta,))


def main():
    folder = os.path.join(ROOT, "tests", "fixtures", "models", "stylegan2_cond")
    cfg = json.load(open(os.path.join(folder, "config.json")))
    g = R.Generator(cfg["z_dim"], cfg["c_dim"], cfg["w_dim"], cfg["img_resolution"], cfg["img_channels"],
                    cfg["channel_base"], cfg["channel_max"], cfg["mapping_layers"], conv_clamp=cfg["conv_clamp"])
    g.load_state_dict(st.load_file(os.path.join(folder, "model.safetensors")))
    kw = EasyDict(z_dim=cfg["z_dim"], c_dim=cfg["c_dim"], w_dim=cfg["w_dim"], img_resolution=cfg["img_resolution"],
                  img_channels=cfg["img_channels"], mapping_kwargs=EasyDict(num_layers=cfg["mapping_layers"]),
                  synthesis_kwargs=EasyDict(channel_base=cfg["channel_base"], channel_max=cfg["channel_max"],
                                            num_fp16_res=4, conv_clamp=cfg["conv_clamp"]))
    snap = dict(G=Persisted(g, kw), D=None, G_ema=Persisted(g, kw), augment_pipe=None,
                training_set_kwargs=EasyDict(resolution=cfg["img_resolution"]))
    out = os.path.join(ROOT, "tests", "fixtures", "stylegan2")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "snapshot_cond.pkl")
    with open(path, "wb") as f:
        pickle.dump(snap, f)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
