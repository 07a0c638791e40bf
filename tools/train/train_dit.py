#!/usr/bin/python3
"""Small class-conditional DiT on the latents of models/vae-kl-fashion -> models/dit-fashion/ (a DiTPipeline folder).

Model = tools/ref/dit_ref.py DiTTransformer2DModel (diffusers key names, norm_type ada_norm_zero): latents
4 x 14 x 14 (the VAE's encoder mean times its scaling_factor, as DiT/LDM train), patch 2 (49 tokens), 4 blocks of
width 128 (4 heads of 32), 10 classes + the null class 10, label dropout 0.1 (classifier-free guidance),
out_channels 4 (epsilon only: no learned sigma, so plain eps-MSE training). Scheduler: DDPMScheduler linear
1e-4..0.02, 1000 steps, fixed_small, no clipping (latents are not in [-1, 1]). AdamW, constant lr after a warmup,
EMA of the weights (0.999; the EMA weights are saved, as DiT does). Time-bounded: --minutes stops early.
Folder: model_index.json, transformer/ (config.json + weights), scheduler/scheduler_config.json, vae/ (a symlink to
../vae-kl-fashion), golden.safetensors, train_info.json.
Test number: the eps MSE on test latents with seeded t, eps (conditional).
Golden (float64 reference): sample [2,4,14,14] = test latents 0, 1 noised at timestep I64 [2] = [700, 37], class_labels
I64 [2] -> noise_pred [2,4,14,14]; 10-step DDIM (config = the DDPM config's shared keys), guidance 3, classes
[0, 7] from noise [2,4,14,14] -> ddim_sample (latents), ddim_decoded = vae.decode(latents / scaling_factor).
"""
import copy
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import diffusers_ref as D  # noqa: E402
import dit_ref as R  # noqa: E402
import schedulers as S  # noqa: E402

VAE = os.path.join(C.ROOT, "models", "vae-kl-fashion")
DIT = {"num_attention_heads": 4, "attention_head_dim": 32, "in_channels": 4, "out_channels": 4, "num_layers": 4,
       "sample_size": 14, "patch_size": 2, "num_embeds_ada_norm": 10, "activation_fn": "gelu-approximate",
       "norm_type": "ada_norm_zero", "norm_elementwise_affine": False, "norm_eps": 1e-5, "attention_bias": True}
SCHED = dict({"_class_name": "DDPMScheduler", "_diffusers_version": D.DIFFUSERS_VERSION}, **S.DDPM_DEFAULTS)
SCHED["clip_sample"] = False
GUIDANCE = 3.0


def load_vae():
    with open(os.path.join(VAE, "config.json")) as f:
        cfg = json.load(f)
    vae = D.AutoencoderKL(cfg)
    vae.load_state_dict(C.st.load_file(os.path.join(VAE, "diffusion_pytorch_model.safetensors")), strict=True)
    return vae.eval(), cfg


def latents(images_u8, vae, scale):
    out = []
    with torch.no_grad():
        for i in range(0, len(images_u8), 500):
            x = images_u8[i:i + 500].unsqueeze(1).float() / 127.5 - 1.0
            out.append(vae.encode(x)[0] * scale)
    return torch.cat(out)


def init_zero(model):
    """DiT's initialisation: adaLN modulation and output layers zero (each block starts as the identity)."""
    with torch.no_grad():
        for b in model.transformer_blocks:
            b.norm1.linear.weight.zero_()
            b.norm1.linear.bias.zero_()
            b.norm1.emb.class_embedder.embedding_table.weight.normal_(0, 0.02)
        for m in (model.proj_out_1, model.proj_out_2):
            m.weight.zero_()
            m.bias.zero_()


def eps_loss(model, x0, t, eps, labels, acp):
    a = acp[t].view(-1, 1, 1, 1)
    return F.mse_loss(model(a.sqrt() * x0 + (1 - a).sqrt() * eps, t, labels), eps)


def main():
    ap = C.parser(__doc__.splitlines()[1], 20, "dit-fashion", 64, 5e-4)
    ap.add_argument("--minutes", type=float, default=30.0, help="stop training after this wall time")
    ap.add_argument("--train-limit", type=int, default=60000)
    args = ap.parse_args()
    C.setup(args)
    vae, vae_cfg = load_vae()
    scale = vae_cfg["scaling_factor"]
    xtr, ytr = C.fashion_mnist("train")
    xte, yte = C.fashion_mnist("t10k")
    xtr, ytr = xtr[:args.train_limit], ytr[:args.train_limit]
    t0 = time.time()
    ztr, zte = latents(xtr, vae, scale), latents(xte[:min(args.test_limit, 2000)], vae, scale)
    yte = yte[:len(zte)]
    print("latents %s (std %.3f) in %.0f s" % (tuple(ztr.shape), ztr.std().item(), time.time() - t0), flush=True)
    acp = S.DDPMScheduler(SCHED).alphas_cumprod
    n_t, n_cls = SCHED["num_train_timesteps"], DIT["num_embeds_ada_norm"]
    model = R.DiTTransformer2DModel(DIT)
    init_zero(model)
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    steps = C.num_steps(args, len(ztr))
    warm = 500
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / warm))
    log = C.Log(steps)
    model.train()
    avg, done, deadline = None, 0, time.time() + args.minutes * 60
    for i, idx in enumerate(C.batches(len(ztr), args.batch_size, steps, args.seed + 1)):
        x0, y = ztr[idx], ytr[idx].clone()
        y[torch.rand(len(y)) < 0.1] = n_cls  # label dropout: the null class
        t = torch.randint(0, n_t, (len(idx),))
        loss = eps_loss(model, x0, t, torch.randn_like(x0), y, acp)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(0.999).add_(pm, alpha=0.001)
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        log.step(i, loss=loss.item(), loss_ema=avg)
        done = i + 1
        if time.time() > deadline:
            print("time limit: stopped after %d of %d steps" % (done, steps), flush=True)
            break
    train_s = log.elapsed()

    g = torch.Generator().manual_seed(123)
    tot = 0.0
    with torch.no_grad():
        for i in range(0, len(zte), 250):
            x0 = zte[i:i + 250]
            t = torch.randint(0, n_t, (len(x0),), generator=g)
            tot += eps_loss(ema, x0, t, torch.randn(x0.shape, generator=g), yte[i:i + 250], acp).item() * len(x0)
    test = {"latents": len(zte), "eps_mse": round(tot / len(zte), 5), "final_train_loss_ema": round(avg, 5),
            "steps_done": done}
    print("train %.1f s; test %s" % (train_s, test), flush=True)

    out = C.new_folder(args.out)
    for sub in ("transformer", "scheduler", "vae"):
        os.makedirs(os.path.join(out, sub))
    C.write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "DiTPipeline", "_diffusers_version": D.DIFFUSERS_VERSION,
        "id2label": {str(i): n for i, n in enumerate(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                                      "Shirt", "Sneaker", "Bag", "Ankle boot"])},
        "scheduler": ["diffusers", "DDPMScheduler"], "transformer": ["diffusers", "DiTTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"]})
    C.write_json(os.path.join(out, "transformer", "config.json"), R.full_config(DIT))
    C.save_state(ema, os.path.join(out, "transformer", "diffusion_pytorch_model.safetensors"))
    C.write_json(os.path.join(out, "scheduler", "scheduler_config.json"), SCHED)
    os.rmdir(os.path.join(out, "vae"))
    os.symlink(os.path.join("..", "vae-kl-fashion"), os.path.join(out, "vae"))  # the same VAE, not a copy

    m64, v64 = ema.double(), vae.double()
    g = torch.Generator().manual_seed(7)
    x0 = zte[:2].double()
    timestep = torch.tensor([700, 37], dtype=torch.int64)
    labels = yte[:2].clone()
    a = acp[timestep].view(-1, 1, 1).view(-1, 1, 1, 1).double()
    sample = (a.sqrt() * x0 + (1 - a).sqrt() * torch.randn(x0.shape, generator=g).double()).float()
    noise = torch.randn(2, 4, 14, 14, generator=g)
    classes = torch.tensor([0, 7], dtype=torch.int64)
    dcfg = {k: v for k, v in SCHED.items() if k in S.DDIM_DEFAULTS}
    ddim = S.DDIMScheduler(dcfg)
    with torch.no_grad():
        pred = m64(sample.double(), timestep, labels)
        final, _ = R.dit_sample_loop(m64, ddim, noise.double(), classes, 10, GUIDANCE, n_cls)
        dec = v64.decode(final / scale)
    C.st.save_file({"sample": sample, "timestep": timestep, "class_labels": labels, "noise_pred": C.f32(pred),
                    "noise": noise, "ddim_classes": classes, "ddim_timesteps": ddim.timesteps.clone().to(torch.int64),
                    "ddim_sample": C.f32(final), "ddim_decoded": C.f32(dec)},
                   os.path.join(out, "golden.safetensors"),
                   C.golden_meta(what="DiT forward + DiTPipeline DDIM loop + VAE decode", scheduler_config=dcfg,
                                 steps=10, eta=0.0, guidance_scale=GUIDANCE, null_class=n_cls))
    C.train_info(args, "train_dit.py", train_s, done, test, log.history)
    C.folder_report(out)


if __name__ == "__main__":
    main()
