#!/usr/bin/python3
"""Check diffusers_ref.py / schedulers.py against the real diffusers source (no diffusers install).

    /usr/bin/python3 tools/ref/check_upstream.py /path/to/diffusers/src

The path is a checkout's `src` folder (it holds diffusers/models/...). Only the model, block, layer
and scheduler files are executed; everything else diffusers imports (hub, config, loading, other
models) is replaced by permissive stubs. Compares state_dict key sets and shapes, forward outputs
(float64) and scheduler steps. Exits 1 on any mismatch.
"""
import importlib.abc
import importlib.util
import inspect
import os
import sys
import types

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

REAL = {
    "diffusers.models.activations", "diffusers.models.attention_processor", "diffusers.models.resnet",
    "diffusers.models.downsampling", "diffusers.models.upsampling", "diffusers.models.embeddings",
    "diffusers.models.unets.unet_2d_blocks", "diffusers.models.unets.unet_2d",
    "diffusers.models.autoencoders.vae", "diffusers.models.autoencoders.autoencoder_kl",
    "diffusers.models.autoencoders.vq_model",
    "diffusers.schedulers.scheduling_ddpm", "diffusers.schedulers.scheduling_ddim",
}


class _Any:
    """Permissive stand-in: callable, subscriptable, falsy; calling it with one callable returns it
    (so it works as a decorator)."""

    def __init__(self, name="stub"):
        self._name = name

    def __call__(self, *a, **k):
        if len(a) == 1 and not k and callable(a[0]):
            return a[0]
        return _Any(self._name + "()")

    def __getattr__(self, n):
        if n.startswith("__"):
            raise AttributeError(n)
        return _Any(self._name + "." + n)

    def __bool__(self):
        return False

    def __getitem__(self, k):
        return _Any()

    def __iter__(self):
        return iter(())

    def __mro_entries__(self, bases):
        return ()

    def __or__(self, other):
        return self

    __ror__ = __or__


class _Config(dict):
    __getattr__ = dict.__getitem__


def register_to_config(init):
    sig = inspect.signature(init)

    def wrapped(self, *a, **k):
        b = sig.bind(self, *a, **k)
        b.apply_defaults()
        cfg = _Config({n: v for n, v in b.arguments.items() if n not in ("self", "kwargs")})
        object.__setattr__(self, "_cfg_pending", cfg)
        init(self, *a, **k)

    return wrapped


class ModelMixin(nn.Module):
    @property
    def config(self):
        return self.__dict__["_cfg_pending"]

    @property
    def dtype(self):
        return next(self.parameters()).dtype

    @property
    def device(self):
        return next(self.parameters()).device


class SchedulerConfigMixin:
    @property
    def config(self):
        return self.__dict__["_cfg_pending"]


class BaseOutput:
    pass


def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
    return torch.randn(shape, generator=generator, dtype=dtype)


def _stub_module(name):
    m = types.ModuleType(name)
    m.__path__ = []

    def ga(n):
        if n.startswith("__"):
            raise AttributeError(n)
        return _Any(name + "." + n)

    m.__getattr__ = ga
    if name == "diffusers.configuration_utils":
        m.ConfigMixin = SchedulerConfigMixin
        m.register_to_config = register_to_config
        m.FrozenDict = dict
    if name == "diffusers.models.modeling_utils":
        m.ModelMixin = ModelMixin
    if name in ("diffusers.utils", "diffusers.utils.outputs"):
        m.BaseOutput = BaseOutput
        m.deprecate = lambda *a, **k: None
        m.is_torch_version = lambda *a, **k: False
    if name == "diffusers.utils.torch_utils":
        m.randn_tensor = randn_tensor
        m.is_torch_version = lambda *a, **k: False
        m.maybe_allow_in_graph = lambda c: c
        m.apply_freeu = lambda *a, **k: a[1:3]
    if name == "diffusers.utils.accelerate_utils":
        m.apply_forward_hook = lambda f: f
    if name == "diffusers.schedulers.scheduling_utils":
        m.SchedulerMixin = type("SchedulerMixin", (), {})
        m.KarrasDiffusionSchedulers = []
    return m


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, src):
        self.src = src

    def find_spec(self, name, path, target=None):
        if name != "diffusers" and not name.startswith("diffusers."):
            return None
        if name in REAL:
            f = os.path.join(self.src, *name.split(".")) + ".py"
            return importlib.util.spec_from_file_location(name, f)
        return importlib.util.spec_from_loader(name, self, is_package=True)

    def create_module(self, spec):
        return _stub_module(spec.name)

    def exec_module(self, module):
        pass


def main():
    src = sys.argv[1]
    sys.meta_path.insert(0, _Finder(src))
    torch.set_num_threads(1)
    import diffusers_ref as D
    import schedulers as S
    import make_fixtures as MF
    from diffusers.models.unets.unet_2d import UNet2DModel
    from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
    from diffusers.models.autoencoders.vq_model import VQModel
    from diffusers.schedulers.scheduling_ddpm import DDPMScheduler
    from diffusers.schedulers.scheduling_ddim import DDIMScheduler

    bad = 0

    # models: diffusers computes the sinusoid in float32 and casts attention scores to float32
    # (upcast_softmax) even in a float64 model, so 1e-6 is the expected agreement there
    def cmp(tag, ours, theirs, tol=1e-6):
        nonlocal bad
        e = (ours - theirs).abs().max().item()
        ok = e <= tol * max(1.0, theirs.abs().max().item())
        bad += not ok
        print("%-4s %-48s max|diff| %.3g" % ("ok" if ok else "FAIL", tag, e))

    def keys(tag, a, b):
        nonlocal bad
        sa = {k: tuple(v.shape) for k, v in a.state_dict().items()}
        sb = {k: tuple(v.shape) for k, v in b.state_dict().items()}
        ok = sa == sb
        bad += not ok
        print("%-4s %-48s %d keys" % ("ok" if ok else "FAIL", tag + " state_dict", len(sa)))
        if not ok:
            print("   only ours:", sorted(set(sa) - set(sb))[:10], " only theirs:", sorted(set(sb) - set(sa))[:10])
            print("   shape diffs:", [(k, sa[k], sb[k]) for k in sa if k in sb and sa[k] != sb[k]][:10])
        return ok

    import json
    unet_cfgs = [("unet_tiny", MF.UNET_TINY), ("unet_cifarstyle", MF.UNET_CIFARSTYLE),
                 ("ddpm-cifar10-32", json.load(open(os.path.join(HERE, "configs", "ddpm-cifar10-32.json")))),
                 ("scale_shift", dict(MF.UNET_TINY, resnet_time_scale_shift="scale_shift"))]
    for tag, cfg in unet_cfgs:
        torch.manual_seed(0)
        ours = D.UNet2DModel(cfg)
        MF.randomize_norms(ours)
        kw = {k: v for k, v in D._cfg("UNet2DModel", cfg).items()}
        theirs = UNet2DModel(**kw)
        if not keys(tag, ours, theirs):
            continue
        theirs.load_state_dict(ours.state_dict())
        ours.double().eval()
        theirs.double().eval()
        hw = cfg.get("sample_size", 8) or 8
        x = torch.randn(2, cfg.get("in_channels", 3), hw, hw, dtype=torch.float64)
        with torch.no_grad():
            for t in (torch.tensor([999, 3]), torch.tensor(500)):
                a = ours(x, t)
                b = theirs(x, t, return_dict=False)[0]
                cmp("%s forward t=%s" % (tag, t.tolist()), a, b, 1e-5)  # diffusers' sinusoid is f32

    for tag, cls, ocls, cfg in [("autoencoder_kl", AutoencoderKL, D.AutoencoderKL, MF.AEKL_TINY),
                                ("vqmodel", VQModel, D.VQModel, MF.VQ_TINY)]:
        torch.manual_seed(0)
        ours = ocls(cfg)
        MF.randomize_norms(ours)
        theirs = cls(**D._cfg(ocls.__name__, cfg))
        if not keys(tag, ours, theirs):
            continue
        theirs.load_state_dict(ours.state_dict())
        ours.double().eval()
        theirs.double().eval()
        x = torch.rand(2, 3, 16, 12, dtype=torch.float64) * 2 - 1
        with torch.no_grad():
            if tag == "autoencoder_kl":
                mean, logvar = ours.encode(x)
                dist = theirs.encode(x, return_dict=False)[0]
                cmp(tag + " encode mean", mean, dist.mean)
                cmp(tag + " encode logvar", logvar, dist.logvar)
                z = torch.randn_like(mean)
                cmp(tag + " decode", ours.decode(z), theirs.decode(z, return_dict=False)[0])
            else:
                lat = ours.encode(x)
                cmp(tag + " encode", lat, theirs.encode(x, return_dict=False)[0])
                zq, _, (_, _, idx) = theirs.quantize(lat)
                q, oidx = ours.quantize(lat)
                cmp(tag + " quantize", q, zq)
                cmp(tag + " indices", oidx.reshape(-1).double(), idx.reshape(-1).double())
                cmp(tag + " decode", ours.decode(lat), theirs.decode(lat, return_dict=False)[0])

    # schedulers: same model_output / sample / noise, all configs, every timestep of a loop
    g = torch.Generator().manual_seed(0)
    for cfg in [{}, {"variance_type": "fixed_large"}, {"beta_schedule": "scaled_linear", "clip_sample": False},
                {"beta_schedule": "squaredcos_cap_v2", "prediction_type": "v_prediction"},
                {"variance_type": "fixed_small_log", "timestep_spacing": "trailing"}]:
        ours, theirs = S.DDPMScheduler(cfg), DDPMScheduler(**cfg)
        ours.set_timesteps(7)
        theirs.set_timesteps(7)
        x = torch.randn(1, 3, 4, 4, generator=g)
        for t in theirs.timesteps:
            eps = torch.randn(1, 3, 4, 4, generator=g)
            gen = torch.Generator().manual_seed(int(t))  # diffusers draws its noise from this
            n = torch.randn(1, 3, 4, 4, generator=torch.Generator().manual_seed(int(t)))
            a, _ = ours.step(eps, t, x, noise=n)
            b = theirs.step(eps, t, x, generator=gen, return_dict=False)[0]
            cmp("DDPM %s t=%d" % (cfg, int(t)), a, b, 1e-6)
            x = b
    for cfg, eta in [({}, 0.0), ({"set_alpha_to_one": False, "steps_offset": 1}, 0.5),
                     ({"timestep_spacing": "trailing", "prediction_type": "v_prediction"}, 1.0),
                     ({"beta_schedule": "scaled_linear", "clip_sample": False, "timestep_spacing": "linspace"}, 0.3)]:
        ours, theirs = S.DDIMScheduler(cfg), DDIMScheduler(**cfg)
        ours.set_timesteps(6)
        theirs.set_timesteps(6)
        assert torch.equal(ours.timesteps, theirs.timesteps), (ours.timesteps, theirs.timesteps)
        x = torch.randn(1, 3, 4, 4, generator=g)
        for t in theirs.timesteps:
            eps, n = torch.randn(1, 3, 4, 4, generator=g), torch.randn(1, 3, 4, 4, generator=g)
            a, _ = ours.step(eps, t, x, eta=eta, noise=n)
            b = theirs.step(eps, t, x, eta=eta, variance_noise=n if eta > 0 else None, return_dict=False)[0]
            cmp("DDIM %s eta=%g t=%d" % (cfg, eta, int(t)), a, b, 1e-6)
            x = b
    print("FAILURES: %d" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
