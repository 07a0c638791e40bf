#!/usr/bin/python3
"""Small diffusers UNet2DModel trained with the DDPM epsilon loss on Fashion-MNIST -> models/ddpm-fashion/.

Model = tools/ref/diffusers_ref.py UNet2DModel (diffusers key names, new attention keys to_q/to_k/to_v/to_out.0):
sample_size 28 (no padding: 28 -> 14 -> 7 with downsample_padding 1), 1 channel, block_out_channels
[32, 64, 64], layers_per_block 1, DownBlock2D / AttnDownBlock2D / DownBlock2D (attention at 14x14, plus the
mid block's at 7x7), UpBlock2D / AttnUpBlock2D / UpBlock2D, 8 groups, attention_head_dim 32 (2 heads at 64).
Images in [-1, 1]. Scheduler: DDPMScheduler, linear betas 1e-4..0.02, 1000 steps, fixed_small, clip_sample,
epsilon (scheduler_config.json as diffusers writes it). Loss: MSE(eps_theta(sqrt(a_t) x0 + sqrt(1-a_t) eps, t), eps),
t uniform, Adam. Test number: the same loss on test images with seeded t and eps; also the final train loss.
Golden file (float64 reference): sample [2,1,28,28] = test images 0, 1 noised at timestep I64 [2] = [700, 37]
(seeded) -> noise_pred [2,1,28,28]; DDIM (config = the DDPM config's shared keys, as DDIMPipeline converts it)
5 steps eta 0 (leading: 800, 600, 400, 200, 0) from noise [2,1,28,28] (seeded) -> ddim_timesteps I64 [5],
ddim_samples [5,2,1,28,28] (x after each step), ddim_sample (final x_0), ddim_image = (x/2+0.5).clamp(0,1),
alphas_cumprod [1000].
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import diffusers_ref as D  # noqa: E402
import schedulers as S  # noqa: E402

UNET = {"sample_size": 28, "in_channels": 1, "out_channels": 1, "block_out_channels": [32, 64, 64],
        "layers_per_block": 1, "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
        "up_block_types": ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"], "norm_num_groups": 8,
        "attention_head_dim": 32, "act_fn": "silu", "flip_sin_to_cos": True, "freq_shift": 0,
        "downsample_padding": 1, "mid_block_scale_factor": 1, "norm_eps": 1e-5,
        "time_embedding_type": "positional", "resnet_time_scale_shift": "default", "center_input_sample": False}
SCHED = dict({"_class_name": "DDPMScheduler", "_diffusers_version": D.DIFFUSERS_VERSION}, **S.DDPM_DEFAULTS)


def to_pm1(x_u8):
    return x_u8.float().div(127.5).sub(1).unsqueeze(1)


def eps_loss(model, x0, t, eps, acp):
    a = acp[t].view(-1, 1, 1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    return F.mse_loss(model(xt, t), eps)


def main():
    args = C.parser(__doc__.splitlines()[1], 5, "ddpm-fashion", 64, 5e-4).parse_args()
    C.setup(args)
    xtr, _ = C.fashion_mnist("train")
    xte, _ = C.fashion_mnist("t10k")
    xtr = to_pm1(xtr)
    xte = to_pm1(xte[:min(args.test_limit, 2000)])
    sched = S.DDPMScheduler(SCHED)
    acp = sched.alphas_cumprod
    n_t = SCHED["num_train_timesteps"]
    model = D.UNet2DModel(UNET)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = C.num_steps(args)
    log = C.Log(steps)
    model.train()
    avg = None
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        x0 = xtr[idx]
        t = torch.randint(0, n_t, (len(idx),))
        loss = eps_loss(model, x0, t, torch.randn_like(x0), acp)
        opt.zero_grad()
        loss.backward()
        opt.step()
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        log.step(i, loss=loss.item(), loss_ema=avg)
    train_s = log.elapsed()

    model.eval()
    g = torch.Generator().manual_seed(123)
    tot = 0.0
    with torch.no_grad():
        for i in range(0, len(xte), 250):
            x0 = xte[i:i + 250]
            t = torch.randint(0, n_t, (len(x0),), generator=g)
            tot += eps_loss(model, x0, t, torch.randn(x0.shape, generator=g), acp).item() * len(x0)
    test = {"images": len(xte), "eps_mse": round(tot / len(xte), 5), "final_train_loss_ema": round(avg, 5)}
    print("train %.1f s; test %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), D.full_config("UNet2DModel", UNET))
    C.write_json(os.path.join(args.out, "scheduler_config.json"), SCHED)
    C.save_state(model, os.path.join(args.out, "diffusion_pytorch_model.safetensors"))

    m64 = model.double()
    g = torch.Generator().manual_seed(7)
    x0 = to_pm1(C.fashion_mnist("t10k")[0][:2])
    timestep = torch.tensor([700, 37], dtype=torch.int64)
    a = acp[timestep].view(-1, 1, 1, 1)
    sample = (a.sqrt() * x0 + (1 - a).sqrt() * torch.randn(x0.shape, generator=g)).float()
    noise = torch.randn(2, 1, 28, 28, generator=g)
    dcfg = {k: v for k, v in SCHED.items() if k in S.DDIM_DEFAULTS}
    ddim = S.DDIMScheduler(dcfg, torch.float64)
    with torch.no_grad():
        pred = m64(sample.double(), timestep)
        final, per = S.sample_loop(lambda x, t: m64(x, t), ddim, noise.double(), 5, eta=0.0)
    C.st.save_file({"sample": sample, "timestep": timestep, "noise_pred": C.f32(pred), "noise": noise,
                    "ddim_timesteps": ddim.timesteps.clone().to(torch.int64), "ddim_samples": C.f32(per),
                    "ddim_sample": C.f32(final), "ddim_image": C.f32((final / 2 + 0.5).clamp(0, 1)),
                    "alphas_cumprod": C.f32(ddim.alphas_cumprod)},
                   os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="UNet2DModel forward + DDIM loop", scheduler_config=dcfg, steps=5, eta=0.0))
    C.train_info(args, "train_ddpm.py", train_s, steps, test, log.history)
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
