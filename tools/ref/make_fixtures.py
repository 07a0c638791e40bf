#!/usr/bin/python3
"""Write the golden model fixtures under tests/fixtures/models/ (committed; CI never runs this).

Run from anywhere (Debian's torch, not the pyenv python):
    /usr/bin/python3 tools/ref/make_fixtures.py            # writes tests/fixtures/models/
    /usr/bin/python3 tools/ref/make_fixtures.py --out DIR  # elsewhere
Deterministic: fixed seeds, one thread; re-running rewrites identical files on the same machine.
Each model is built with random weights (float32, seeded), then the reference runs in float64 on the
upcast float32 weights and the outputs are cast to float32. See tools/ref/README.md for the
tensor names of every io*.safetensors file.
"""
import argparse
import copy
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diffusers_ref as D  # noqa: E402
import gpt_ref as G  # noqa: E402
import metrics  # noqa: E402
import models_small as M  # noqa: E402
import schedulers as S  # noqa: E402
import st  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def save_weights(model, path, rename=None):
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    for k, v in sd.items():
        if v.dtype == torch.float64:
            sd[k] = v.float()
    if rename:
        sd = rename(sd)
    st.save_file(sd, path, metadata={"format": "pt"})
    return sd


def randomize_norms(model, gen_scale=0.25):
    """Non-trivial affine parameters for GroupNorm / BatchNorm (default init is 1 / 0)."""
    for m in model.modules():
        if isinstance(m, (nn.GroupNorm, nn.BatchNorm2d)):
            with torch.no_grad():
                m.weight.normal_(1.0, gen_scale)
                m.bias.normal_(0.0, 0.1)


def calibrate_bn(model, inputs, fn=None):
    """Set BatchNorm running stats from one calibration batch (so activations stay O(1) through a
    deep random network), then perturb them so they are not exactly the batch statistics."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = 1.0
    model.train()
    with torch.no_grad():
        (fn or model)(inputs)
    model.eval()
    for m in bns:
        m.momentum = 0.1
        with torch.no_grad():
            m.running_mean.add_(0.05 * torch.randn_like(m.running_mean))
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.8, 1.25))
            m.num_batches_tracked.fill_(1234)


def as64(model):
    return model.double().eval()


def folder(out, name):
    p = os.path.join(out, name)
    if os.path.isdir(p):
        shutil.rmtree(p)
    os.makedirs(p)
    return p


META = {"generator": "tools/ref/make_fixtures.py"}


def meta(**kw):
    m = dict(META)
    for k, v in kw.items():
        m[k] = v if isinstance(v, str) else json.dumps(v)
    return m


# ------------------------------------------------------------------------------------------------
UNET_TINY = {
    "sample_size": 8, "in_channels": 3, "out_channels": 3,
    "block_out_channels": [16, 32], "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
    "norm_num_groups": 4, "norm_eps": 1e-5, "attention_head_dim": 8,  # 32 / 8 = 4 heads
    "act_fn": "silu", "flip_sin_to_cos": True, "freq_shift": 0, "downsample_padding": 1,
    "mid_block_scale_factor": math.sqrt(2.0), "center_input_sample": False,
    "time_embedding_type": "positional", "resnet_time_scale_shift": "default",
}
# google/ddpm-cifar10-32 conventions on a tiny model
UNET_CIFARSTYLE = {
    "sample_size": 8, "in_channels": 3, "out_channels": 3,
    "block_out_channels": [16, 32], "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
    "norm_num_groups": 4, "norm_eps": 1e-6, "attention_head_dim": None,  # one head of width C
    "act_fn": "silu", "flip_sin_to_cos": False, "freq_shift": 1, "downsample_padding": 0,
    "mid_block_scale_factor": 1, "center_input_sample": False,
    "time_embedding_type": "positional", "resnet_time_scale_shift": "default",
}
DDPM_SCHED_TINY = {"_class_name": "DDPMScheduler", "_diffusers_version": D.DIFFUSERS_VERSION,
                   "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
                   "beta_schedule": "linear", "trained_betas": None, "variance_type": "fixed_small",
                   "clip_sample": True, "prediction_type": "epsilon", "timestep_spacing": "leading",
                   "steps_offset": 0}
DDPM_SCHED_CIFAR = {"_class_name": "DDPMScheduler", "_diffusers_version": "0.1.1",
                    "beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001, "clip_sample": True,
                    "num_train_timesteps": 1000, "trained_betas": None, "variance_type": "fixed_large"}


def ddim_config_from(ddpm_cfg, **over):
    """DDIMPipeline does DDIMScheduler.from_config(ddpm scheduler config): shared keys carry over."""
    c = {k: v for k, v in ddpm_cfg.items() if k in S.DDIM_DEFAULTS}
    c.update(over)
    return c


def unet_forward_io(model64, seed):
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(2, 3, 8, 8, generator=g)
    timestep = torch.tensor([999, 37], dtype=torch.int64)
    with torch.no_grad():
        x = sample.double()
        t_emb = model64.time_proj(timestep, dtype=torch.float64)
        emb = model64.time_embedding(t_emb)
        out = model64(x, timestep)
    return {"sample": sample, "timestep": timestep, "t_emb": f32(t_emb), "emb": f32(emb),
            "noise_pred": f32(out)}


def loop_io(model64, sched, steps, seed, eta=0.0, stochastic=False):
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(1, 3, 8, 8, generator=g)
    vnoise = torch.randn(steps, 1, 3, 8, 8, generator=g) if stochastic else None
    with torch.no_grad():
        final, per = S.sample_loop(lambda x, t: model64(x, t), sched, noise.double(), steps, eta=eta,
                                   noises=None if vnoise is None else vnoise.double())
    io = {"noise": noise, "timesteps": sched.timesteps.clone().to(torch.int64), "samples": f32(per),
          "sample": f32(final), "image": f32((final / 2 + 0.5).clamp(0, 1)),
          "alphas_cumprod": f32(sched.alphas_cumprod)}
    if vnoise is not None:
        io["variance_noise"] = vnoise
    return io


def make_unets(out):
    made = []
    # --- unet_tiny (new attention keys) + the same weights with old keys
    torch.manual_seed(1000)
    m = D.UNet2DModel(UNET_TINY)
    randomize_norms(m)
    cfg = D.full_config("UNet2DModel", UNET_TINY)
    p = folder(out, "unet_tiny")
    write_json(os.path.join(p, "config.json"), cfg)
    write_json(os.path.join(p, "scheduler_config.json"), DDPM_SCHED_TINY)
    sd = save_weights(m, os.path.join(p, "diffusion_pytorch_model.safetensors"))
    m64 = as64(m)
    io = unet_forward_io(m64, 1001)
    st.save_file(io, os.path.join(p, "io.safetensors"), meta(what="UNet2DModel forward"))
    # DDIM 10 steps, eta 0, scheduler from scheduler_config.json as DDIMPipeline converts it
    dcfg = ddim_config_from(DDPM_SCHED_TINY)
    st.save_file(loop_io(m64, S.DDIMScheduler(dcfg, torch.float64), 10, 1002),
                 os.path.join(p, "io_ddim.safetensors"),
                 meta(what="DDIM loop", scheduler_config=dcfg, steps=10, eta=0.0))
    # DDIM 5 steps, eta 0.8, trailing spacing, explicit variance noise
    dcfg2 = ddim_config_from(DDPM_SCHED_TINY, timestep_spacing="trailing")
    st.save_file(loop_io(m64, S.DDIMScheduler(dcfg2, torch.float64), 5, 1003, eta=0.8, stochastic=True),
                 os.path.join(p, "io_ddim_eta.safetensors"),
                 meta(what="DDIM loop", scheduler_config=dcfg2, steps=5, eta=0.8))
    st.save_file(loop_io(m64, S.DDPMScheduler(DDPM_SCHED_TINY, torch.float64), 5, 1004, stochastic=True),
                 os.path.join(p, "io_ddpm.safetensors"),
                 meta(what="DDPM loop", scheduler_config=DDPM_SCHED_TINY, steps=5))
    made.append(p)

    p2 = folder(out, "unet_tiny_oldkeys")
    write_json(os.path.join(p2, "config.json"), cfg)
    old = D.to_old_attention_keys(sd)
    st.save_file(old, os.path.join(p2, "diffusion_pytorch_model.safetensors"), {"format": "pt"})
    st.save_file(io, os.path.join(p2, "io.safetensors"), meta(what="UNet2DModel forward (old attention keys)"))
    made.append(p2)
    # self-check: old keys load back into the reference and give the same output
    m_chk = D.UNet2DModel(UNET_TINY)
    m_chk.load_state_dict(D.from_old_attention_keys(st.load_file(os.path.join(p2,
                                                                  "diffusion_pytorch_model.safetensors"))))
    with torch.no_grad():
        y = as64(m_chk)(io["sample"].double(), io["timestep"])
    assert torch.equal(f32(y), io["noise_pred"])
    assert any(".query." in k for k in old) and any(".proj_attn." in k for k in old)

    # --- cifar-style tiny
    torch.manual_seed(2000)
    m = D.UNet2DModel(UNET_CIFARSTYLE)
    randomize_norms(m)
    p3 = folder(out, "unet_tiny_cifarstyle")
    write_json(os.path.join(p3, "config.json"), D.full_config("UNet2DModel", UNET_CIFARSTYLE))
    write_json(os.path.join(p3, "scheduler_config.json"), DDPM_SCHED_CIFAR)
    save_weights(m, os.path.join(p3, "diffusion_pytorch_model.safetensors"))
    m64 = as64(m)
    st.save_file(unet_forward_io(m64, 2001), os.path.join(p3, "io.safetensors"),
                 meta(what="UNet2DModel forward"))
    st.save_file(loop_io(m64, S.DDPMScheduler(DDPM_SCHED_CIFAR, torch.float64), 5, 2002, stochastic=True),
                 os.path.join(p3, "io_ddpm.safetensors"),
                 meta(what="DDPM loop", scheduler_config=DDPM_SCHED_CIFAR, steps=5))
    made.append(p3)
    return made


# ------------------------------------------------------------------------------------------------
AEKL_TINY = {"in_channels": 3, "out_channels": 3, "block_out_channels": [16, 32], "layers_per_block": 1,
             "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
             "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "latent_channels": 4,
             "norm_num_groups": 4, "sample_size": 16, "act_fn": "silu", "scaling_factor": 0.18215}
VQ_TINY = {"in_channels": 3, "out_channels": 3, "block_out_channels": [16, 32], "layers_per_block": 1,
           "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
           "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "latent_channels": 3,
           "vq_embed_dim": 4, "num_vq_embeddings": 32, "norm_num_groups": 4, "sample_size": 16,
           "act_fn": "silu"}


def make_aekl(out):
    torch.manual_seed(3000)
    m = D.AutoencoderKL(AEKL_TINY)
    randomize_norms(m)
    p = folder(out, "autoencoder_kl_tiny")
    write_json(os.path.join(p, "config.json"), D.full_config("AutoencoderKL", AEKL_TINY))
    save_weights(m, os.path.join(p, "diffusion_pytorch_model.safetensors"))
    m64 = as64(m)
    g = torch.Generator().manual_seed(3001)
    x = torch.rand(2, 3, 16, 12, generator=g) * 2 - 1
    z = torch.randn(2, 4, 8, 6, generator=g)
    with torch.no_grad():
        mean, logvar = m64.encode(x.double())
        recon = m64.decode(mean)
        dec = m64.decode(z.double())
    st.save_file({"x": x, "mean": f32(mean), "logvar": f32(logvar), "recon": f32(recon), "z": z,
                  "decoded": f32(dec)}, os.path.join(p, "io.safetensors"), meta(what="AutoencoderKL"))
    return [p]


def make_vq(out):
    torch.manual_seed(4000)
    m = D.VQModel(VQ_TINY)
    randomize_norms(m)
    g = torch.Generator().manual_seed(4001)
    x = torch.rand(2, 3, 16, 12, generator=g) * 2 - 1
    m64 = as64(m)
    with torch.no_grad():
        lat = m64.encode(x.double())
        # codebook on the scale of the latents so the nearest-code choice is meaningful
        flat = lat.permute(0, 2, 3, 1).reshape(-1, lat.shape[1])
        cb = flat.mean(0) + flat.std(0) * torch.randn(32, lat.shape[1], generator=g).double()
        m64.quantize.embedding.weight.copy_(cb.float().double())
        idx = m64.quantize.indices(lat)
        # exact duplicate of the most used code at the highest index: ties must pick the lower index
        vals, counts = torch.unique(idx, return_counts=True)
        top = int(vals[counts.argmax()])
        w = m64.quantize.embedding.weight
        if top == 31:
            raise RuntimeError("pick another seed")
        w[31] = w[top]
        idx = m64.quantize.indices(lat)
        assert int((idx == 31).sum()) == 0 and int((idx == top).sum()) > 0
        # every position must have a clear winner (apart from the exact duplicate)
        d = ((flat[:, None, :] - w[None, :, :]) ** 2).sum(-1)
        d[:, 31] = float("inf")
        s = d.sort(dim=1).values
        gap = ((s[:, 1] - s[:, 0]) / s[:, 1].clamp(min=1e-12)).min().item()
        assert gap > 1e-4, gap
        q = m64.quantize.lookup(idx)
        dec = m64.decode_quantized(q)
        assert torch.allclose(dec, m64.decode(lat))  # diffusers decode(latents) quantizes inside
    m.float()
    p = folder(out, "vqmodel_tiny")
    write_json(os.path.join(p, "config.json"), D.full_config("VQModel", VQ_TINY))
    save_weights(m, os.path.join(p, "diffusion_pytorch_model.safetensors"))
    st.save_file({"x": x, "latent": f32(lat), "quantized": f32(q), "indices": idx.to(torch.int64),
                  "decoded": f32(dec)}, os.path.join(p, "io.safetensors"),
                 meta(what="VQModel", min_relative_gap=gap, duplicate_code="31 == %d" % top))
    return [p]


# ------------------------------------------------------------------------------------------------
def make_dcgan(out):
    cfg = {"_class_name": "DCGANGenerator", "nz": 16, "ngf": 8, "nc": 3, "image_size": 32}
    torch.manual_seed(5000)
    m = M.DCGANGenerator(cfg)
    for mod in m.modules():  # dcgan/main.py weights_init
        if isinstance(mod, nn.ConvTranspose2d):
            nn.init.normal_(mod.weight, 0.0, 0.02)
        elif isinstance(mod, nn.BatchNorm2d):
            nn.init.normal_(mod.weight, 1.0, 0.02)
            nn.init.zeros_(mod.bias)
    randomize_norms(m, 0.1)
    calibrate_bn(m, torch.randn(64, 16, 1, 1))
    p = folder(out, "dcgan32")
    write_json(os.path.join(p, "config.json"), cfg)
    save_weights(m, os.path.join(p, "model.safetensors"))
    g = torch.Generator().manual_seed(5001)
    z = torch.randn(2, 16, 1, 1, generator=g)
    with torch.no_grad():
        img = as64(m)(z.double())
    st.save_file({"noise": z, "image": f32(img)}, os.path.join(p, "io.safetensors"), meta(what="DCGAN"))
    return [p]


def make_pixelcnn(out):
    cfg = {"_class_name": "PixelCNN", "fm": 8, "layers": 3, "kernel_size": 7, "in_channels": 1, "levels": 256}
    torch.manual_seed(6000)
    m = M.PixelCNN(cfg)
    randomize_norms(m, 0.1)
    g = torch.Generator().manual_seed(6001)
    calib = torch.randint(0, 256, (8, 1, 10, 12), generator=g).float() / 255
    calibrate_bn(m, calib)
    p = folder(out, "pixelcnn_tiny")
    write_json(os.path.join(p, "config.json"), cfg)
    sd = save_weights(m, os.path.join(p, "model.safetensors"))
    assert (sd["0.weight"] * (1 - sd["0.mask"])).abs().sum() > 0  # stored weights are NOT pre-masked
    pix = torch.randint(0, 256, (2, 1, 10, 12), generator=g).to(torch.uint8)
    x = pix.float() / 255
    with torch.no_grad():
        logits = as64(m)(x.double())
    st.save_file({"pixels": pix, "x": x, "logits": f32(logits)}, os.path.join(p, "io.safetensors"),
                 meta(what="PixelCNN logits", input="x = pixels / 255"))
    return [p]


def make_mlpvae(out):
    cfg = {"_class_name": "MLPVAE", "input_dim": 784, "hidden_dim": 48, "latent_dim": 8,
           "image_shape": [1, 28, 28]}
    torch.manual_seed(7000)
    m = M.MLPVAE(cfg)
    p = folder(out, "mlpvae_tiny")
    write_json(os.path.join(p, "config.json"), cfg)
    save_weights(m, os.path.join(p, "model.safetensors"))
    g = torch.Generator().manual_seed(7001)
    x = torch.rand(3, 1, 28, 28, generator=g)
    z = torch.randn(3, 8, generator=g)
    m64 = as64(m)
    with torch.no_grad():
        mu, logvar = m64.encode(x.double())
        recon = m64.decode(mu).reshape(3, 1, 28, 28)
        dec = m64.decode(z.double()).reshape(3, 1, 28, 28)
    st.save_file({"x": x, "mu": f32(mu), "logvar": f32(logvar), "recon": f32(recon), "z": z,
                  "decoded": f32(dec)}, os.path.join(p, "io.safetensors"), meta(what="MLPVAE"))
    return [p]


def make_inception(out):
    cfg = {"_class_name": "FIDInceptionV3", "width_divisor": 16, "num_classes": 1008, "resize": True}
    torch.manual_seed(8000)
    m = M.FIDInceptionV3(cfg)
    randomize_norms(m, 0.1)
    g = torch.Generator().manual_seed(8001)
    calibrate_bn(m, torch.rand(4, 3, 64, 64, generator=g))
    with torch.no_grad():
        m.fc.weight.mul_(4.0)  # spread the logits a little
    p = folder(out, "fid_inception_narrow")
    write_json(os.path.join(p, "config.json"), cfg)
    save_weights(m, os.path.join(p, "model.safetensors"))
    images = torch.rand(2, 3, 37, 41, generator=g)
    m64 = as64(m)
    with torch.no_grad():
        pool, logits = m64(images.double())
        unb = pool @ m64.fc.weight.t()
    st.save_file({"images": images, "pool": f32(pool), "logits": f32(logits), "logits_unbiased": f32(unb)},
                 os.path.join(p, "io.safetensors"), meta(what="FID Inception features"))
    return [p]


# ------------------------------------------------------------------------------------------------
def make_metrics(out):
    rng = np.random.RandomState(9000)
    dim = 16
    real = rng.randn(50, dim).astype(np.float32)
    a = rng.randn(dim, dim) * 0.3 + np.eye(dim)
    fake = (rng.randn(60, dim) @ a + 0.3).astype(np.float32)
    m1, s1 = metrics.activation_statistics(real)
    m2, s2 = metrics.activation_statistics(fake)
    fid = metrics.frechet_distance(m1, s1, m2, s2)
    fid_e = metrics.frechet_distance_eigh(m1, s1, m2, s2)
    assert abs(fid - fid_e) < 1e-9 * max(1.0, abs(fid)), (fid, fid_e)
    # fewer samples than dimensions: rank-deficient covariances (the eps path may trigger)
    real_s = rng.randn(10, dim).astype(np.float32)
    fake_s = (rng.randn(12, dim) + 0.5).astype(np.float32)
    ms1, ss1 = metrics.activation_statistics(real_s)
    ms2, ss2 = metrics.activation_statistics(fake_s)
    fid_s = metrics.frechet_distance(ms1, ss1, ms2, ss2)
    fid_se = metrics.frechet_distance_eigh(ms1, ss1, ms2, ss2)
    p = folder(out, "fid")
    t = lambda v: torch.from_numpy(np.asarray(v, dtype=np.float32).reshape(np.shape(v) or (1,)))  # noqa: E731
    st.save_file({"real": t(real), "fake": t(fake), "mu_real": t(m1), "sigma_real": t(s1), "mu_fake": t(m2),
                  "sigma_fake": t(s2), "fid": t(fid), "real_small": t(real_s), "fake_small": t(fake_s),
                  "fid_small": t(fid_s)},
                 os.path.join(p, "io.safetensors"),
                 meta(what="FID (pytorch-fid calculate_frechet_distance, float64)", fid=repr(fid),
                      fid_small=repr(fid_s), fid_small_eigh=repr(fid_se), eps="1e-6"))

    logits = (rng.randn(53, 16) * 2.0).astype(np.float32)
    mean, std = metrics.inception_score(logits, splits=10)
    mean5, std5 = metrics.inception_score(logits, splits=5)
    p2 = folder(out, "is")
    st.save_file({"logits": t(logits), "is_mean": t(mean), "is_std": t(std), "is_mean_splits5": t(mean5),
                  "is_std_splits5": t(std5)}, os.path.join(p2, "io.safetensors"),
                 meta(what="Inception Score (torch-fidelity math, no shuffle)", splits=10,
                      is_mean=repr(mean), is_std=repr(std)))
    return [p, p2]


GPT_TINY = {"vocab_size": 37, "block_size": 11, "n_layer": 2, "n_head": 3, "n_embd": 24, "n_unmasked": 2}


def _gpt_random(seed):
    torch.manual_seed(seed)
    m = G.from_config(GPT_TINY)
    with torch.no_grad():
        for n, prm in m.named_parameters():
            if n.endswith("ln1.weight") or n.endswith("ln2.weight") or n == "ln_f.weight":
                prm.normal_(1.0, 0.2)
            else:
                prm.normal_(0.0, 0.5 if prm.dim() >= 2 else 0.2)
    return m.eval()


def _greedy_margin(m64, classes, steps):
    """Greedy decoding with the KV cache, and the smallest best-minus-second logit along its path."""
    with torch.no_grad():
        greedy = G.sample_with_past(classes[:, None], m64, steps, greedy=True)
        full = m64(torch.cat([classes[:, None], greedy[:, :-1]], dim=1))
        # position 0 of the full forward sees the unmasked prefix, the cached decode does not: skip it
        top2 = torch.topk(full[:, 1:], 2, dim=-1)[0]
    return greedy, float((top2[..., 0] - top2[..., 1]).min())


def make_gpt(out):
    """gpt_tiny: odd sizes (3 heads of 8, vocab 37, an n_unmasked prefix of 2), weights far from minGPT's
    0.02 init so the logits are spread out; the first seed whose greedy path has margins > 1e-3."""
    classes = torch.arange(5, dtype=torch.int64)
    for seed in range(7000, 7100):
        m = _gpt_random(seed)
        greedy, margin = _greedy_margin(copy.deepcopy(m).double(), classes, 10)
        if margin > 1e-3:
            break
    p = folder(out, "gpt_tiny")
    write_json(os.path.join(p, "config.json"), G.config_json(m, n_classes=5, latent_shape=[2, 5]))
    save_weights(m, os.path.join(p, "model.safetensors"))
    g = torch.Generator().manual_seed(7001)
    tokens = torch.randint(0, 37, (3, 11), generator=g)
    with torch.no_grad():
        logits = as64(m)(tokens)
    bad = tokens.clone()
    bad[1, 4] = 37  # one id past the vocabulary: ar.gpt_logits must refuse it
    st.save_file({"tokens": tokens, "logits": f32(logits), "greedy_classes": classes, "greedy": greedy,
                  "bad_tokens": bad},
                 os.path.join(p, "io.safetensors"),
                 meta(what="GPT logits (full causal forward) and greedy decoding (taming's sample_with_past, KV cache)",
                      seed=seed, greedy_min_margin=margin))
    return [p]


MAKERS = {"unets": lambda o: make_unets(o), "aekl": lambda o: make_aekl(o), "vq": lambda o: make_vq(o),
          "dcgan": lambda o: make_dcgan(o), "pixelcnn": lambda o: make_pixelcnn(o),
          "mlpvae": lambda o: make_mlpvae(o), "inception": lambda o: make_inception(o),
          "metrics": lambda o: make_metrics(o), "gpt": lambda o: make_gpt(o)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "models"))
    ap.add_argument("--only", action="append", choices=sorted(MAKERS), help="write only these fixtures (repeatable)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    made = []
    for name, fn in MAKERS.items():
        if not args.only or name in args.only:
            made += fn(args.out)
    total = 0
    for p in made:
        for f in sorted(os.listdir(p)):
            n = os.path.getsize(os.path.join(p, f))
            total += n
            print("%9d  %s" % (n, os.path.relpath(os.path.join(p, f), args.out)))
    print("%9d  total (%.2f MB)" % (total, total / 1e6))


if __name__ == "__main__":
    main()
