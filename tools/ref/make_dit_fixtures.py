#!/usr/bin/python3
"""Write the DiT fixtures (committed; CI never runs this):

    /usr/bin/python3 tools/ref/make_dit_fixtures.py [--out DIR]     # default tests/fixtures/models/

dit_tiny/        a diffusers DiTPipeline folder: model_index.json, transformer/ (DiTTransformer2DModel with odd
                 sizes: 2 layers, 3 heads of 8, patch 2, 4 latent channels, learned sigma (8 out), 7 classes
                 + the null class), vae/ (a small AutoencoderKL, latent 4, scaling_factor 0.5),
                 scheduler/ (DDIMScheduler), io*.safetensors (see tools/ref/README.md)
dit_nonull/      the same transformer with a class table of 7 rows (no null class: guidance refused)
Deterministic (fixed seeds, one thread). References run in float64 on the float32 weights.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diffusers_ref as D  # noqa: E402
import dit_ref as R  # noqa: E402
import schedulers as S  # noqa: E402
import st  # noqa: E402
from make_fixtures import f32, folder, write_json, save_weights, randomize_norms  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
META = {"generator": "tools/ref/make_dit_fixtures.py"}

DIT_TINY = {"num_attention_heads": 3, "attention_head_dim": 8, "in_channels": 4, "out_channels": 8,
            "num_layers": 2, "sample_size": 8, "patch_size": 2, "num_embeds_ada_norm": 7,
            "activation_fn": "gelu-approximate", "norm_type": "ada_norm_zero", "norm_elementwise_affine": False,
            "norm_eps": 1e-5, "attention_bias": True}
VAE_TINY = {"in_channels": 3, "out_channels": 3, "block_out_channels": [8, 8], "layers_per_block": 1,
            "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
            "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "latent_channels": 4,
            "norm_num_groups": 4, "sample_size": 16, "act_fn": "silu", "scaling_factor": 0.5}
DDIM_SCHED = {"_class_name": "DDIMScheduler", "_diffusers_version": D.DIFFUSERS_VERSION,
              "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
              "trained_betas": None, "clip_sample": False, "set_alpha_to_one": True, "steps_offset": 0,
              "prediction_type": "epsilon", "timestep_spacing": "leading"}
DDPM_LEARNED = {"_class_name": "DDPMScheduler", "_diffusers_version": D.DIFFUSERS_VERSION,
                "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
                "variance_type": "learned_range", "clip_sample": False, "prediction_type": "epsilon"}
GUIDANCE = 4.0


def meta(**kw):
    m = dict(META)
    for k, v in kw.items():
        m[k] = v if isinstance(v, str) else json.dumps(v)
    return m


def randomize(model):
    """Random weights everywhere (diffusers zero-initialises the adaLN and output projections, which would
    make every block the identity); modest scales keep activations O(1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "embedding_table" in name:
                p.normal_(0.0, 0.5)
            elif p.dim() == 1:
                p.normal_(0.0, 0.1)


def make(out):
    torch.manual_seed(4000)
    m = R.DiTTransformer2DModel(DIT_TINY)
    randomize(m)
    p = folder(out, "dit_tiny")
    os.makedirs(os.path.join(p, "transformer"))
    os.makedirs(os.path.join(p, "vae"))
    os.makedirs(os.path.join(p, "scheduler"))
    write_json(os.path.join(p, "model_index.json"), {
        "_class_name": "DiTPipeline", "_diffusers_version": D.DIFFUSERS_VERSION,
        "id2label": {str(i): "class%d" % i for i in range(7)},
        "scheduler": ["diffusers", "DDIMScheduler"], "transformer": ["diffusers", "DiTTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"]})
    write_json(os.path.join(p, "transformer", "config.json"), R.full_config(DIT_TINY))
    sd = save_weights(m, os.path.join(p, "transformer", "diffusion_pytorch_model.safetensors"))
    write_json(os.path.join(p, "scheduler", "scheduler_config.json"), DDIM_SCHED)
    torch.manual_seed(4001)
    vae = D.AutoencoderKL(VAE_TINY)
    randomize_norms(vae)
    write_json(os.path.join(p, "vae", "config.json"), D.full_config("AutoencoderKL", VAE_TINY))
    save_weights(vae, os.path.join(p, "vae", "diffusion_pytorch_model.safetensors"))

    m64 = m.double().eval()
    vae64 = vae.double().eval()
    g = torch.Generator().manual_seed(4002)
    # one forward: odd timesteps, the null class in the batch; a non-square latent (pos-embed for 4 x 6 tokens)
    x = torch.randn(3, 4, 8, 8, generator=g)
    t = torch.tensor([999, 37, 500], dtype=torch.int64)
    lab = torch.tensor([3, 6, 7], dtype=torch.int64)
    xr = torch.randn(2, 4, 8, 12, generator=g)
    tr = torch.tensor([250, 1], dtype=torch.int64)
    labr = torch.tensor([0, 5], dtype=torch.int64)
    with torch.no_grad():
        y = m64(x.double(), t, lab)
        yr = m64(xr.double(), tr, labr)
        cond = m64.transformer_blocks[0].norm1.emb(t, lab, torch.float64)
    st.save_file({"sample": x, "timestep": t, "class_labels": lab, "noise_pred": f32(y), "cond": f32(cond),
                  "pos_embed": R.sincos_2d(24, 4, 4, 4), "sample_rect": xr, "timestep_rect": tr,
                  "class_labels_rect": labr, "noise_pred_rect": f32(yr), "pos_embed_rect": R.sincos_2d(24, 4, 6, 4)},
                 os.path.join(p, "io.safetensors"), meta(what="DiTTransformer2DModel forward"))

    # 10-step DDIM with guidance, then the VAE decode of latents / scaling_factor (DiTPipeline)
    noise = torch.randn(2, 4, 8, 8, generator=g)
    labels = torch.tensor([1, 4], dtype=torch.int64)
    sched = S.DDIMScheduler(DDIM_SCHED)
    with torch.no_grad():
        final, per = R.dit_sample_loop(m64, sched, noise.double(), labels, 10, GUIDANCE, 7)
        img = vae64.decode(final / VAE_TINY["scaling_factor"])
    st.save_file({"noise": noise, "class_labels": labels, "timesteps": sched.timesteps.clone().to(torch.int64),
                  "samples": f32(per), "sample": f32(final), "image": f32((img / 2 + 0.5).clamp(0, 1)),
                  "decoded": f32(img)},
                 os.path.join(p, "io_ddim_cfg.safetensors"),
                 meta(what="DiTPipeline DDIM", scheduler_config=DDIM_SCHED, steps=10, eta=0.0,
                      guidance_scale=GUIDANCE, null_class=7))
    # no guidance (scale 1): one model pass per step, eps = first C channels
    with torch.no_grad():
        final1, _ = R.dit_sample_loop(m64, S.DDIMScheduler(DDIM_SCHED), noise.double(), labels, 4, 1.0, 7)
    # 5-step DDPM learned_range with guidance 1.5 and explicit variance noise
    vnoise = torch.randn(5, 2, 4, 8, 8, generator=g)
    sched = S.DDPMScheduler(DDPM_LEARNED)
    with torch.no_grad():
        fd, perd = R.dit_sample_loop(m64, sched, noise.double(), labels, 5, 1.5, 7, noises=vnoise.double(),
                                     learned_variance=True)
    st.save_file({"noise": noise, "class_labels": labels, "timesteps": sched.timesteps.clone().to(torch.int64),
                  "variance_noise": vnoise, "samples": f32(perd), "sample": f32(fd), "sample_ddim4_noguide": f32(final1)},
                 os.path.join(p, "io_ddpm_learned.safetensors"),
                 meta(what="DiTPipeline DDPM learned_range", scheduler_config=DDPM_LEARNED, steps=5,
                      guidance_scale=1.5, null_class=7, ddim4_noguide="DDIM (scheduler/) 4 steps, guidance 1"))

    q = folder(out, "dit_nonull")
    write_json(os.path.join(q, "config.json"), R.full_config(DIT_TINY))
    sd2 = dict(sd)
    for k in list(sd2):
        if k.endswith("class_embedder.embedding_table.weight"):
            sd2[k] = sd2[k][:7].clone()
    st.save_file(sd2, os.path.join(q, "diffusion_pytorch_model.safetensors"), metadata={"format": "pt"})
    return [p, q]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "models"))
    a = ap.parse_args()
    for p in make(a.out):
        print("wrote", p)


if __name__ == "__main__":
    main()
