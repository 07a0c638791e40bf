#!/usr/bin/python3
"""Small diffusers AutoencoderKL on Fashion-MNIST (28x28, 1 channel) -> models/vae-kl-fashion/.

Model = tools/ref/diffusers_ref.py AutoencoderKL (diffusers key names): block_out_channels [32, 64],
2 x DownEncoderBlock2D / UpDecoderBlock2D, layers_per_block 1, 16 groups, latent_channels 4:
x [B,1,28,28] in [-1, 1] -> latents [B,4,14,14] (the one downsample uses diffusers' asymmetric pad, 28 -> 14).
Loss: MSE(decode(z), x) + KL_WEIGHT * mean KL (z sampled from the posterior), Adam.
config.json's scaling_factor = 1 / std of the test latents' means (as LDM picks it); vae.encode/decode in
diffusers do not apply it. Test numbers: reconstruction MSE of decode(mean) (on the [0, 1] pixel scale,
comparable with the MLP VAE) and the mean KL per image (nats).
Golden file (float64 reference): x [4,1,28,28] (test images 0..3, in [-1, 1]) -> mean, logvar [4,4,14,14],
recon = decode(mean) [4,1,28,28]; z [4,4,14,14] (seeded randn) -> decoded [4,1,28,28].
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import diffusers_ref as D  # noqa: E402

KL_WEIGHT = 1e-3
CONFIG = {"in_channels": 1, "out_channels": 1, "block_out_channels": [32, 64],
          "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
          "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 1,
          "latent_channels": 4, "norm_num_groups": 16, "sample_size": 28, "act_fn": "silu"}


def to_pm1(x_u8):
    return x_u8.float().div(127.5).sub(1).unsqueeze(1)


def kl_per_image(mean, logvar):
    return 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(dim=(1, 2, 3))


def main():
    args = C.parser(__doc__.splitlines()[1], 3, "vae-kl-fashion", 64, 1e-3).parse_args()
    C.setup(args)
    xtr, _ = C.fashion_mnist("train")
    xte, _ = C.fashion_mnist("t10k")
    xtr, xte = to_pm1(xtr), to_pm1(xte[:args.test_limit])
    model = D.AutoencoderKL(CONFIG)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = C.num_steps(args)
    log = C.Log(steps)
    model.train()
    nlat = CONFIG["latent_channels"] * 14 * 14
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        x = xtr[idx]
        mean, logvar = model.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        rec = F.mse_loss(model.decode(z), x)
        kl = kl_per_image(mean, logvar).mean() / nlat
        loss = rec + KL_WEIGHT * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.step(i, loss=loss.item(), mse=rec.item(), kl_per_latent=kl.item())
    train_s = log.elapsed()

    model.eval()
    mse = kl = 0.0
    means = []
    with torch.no_grad():
        for i in range(0, len(xte), 500):
            x = xte[i:i + 500]
            mean, logvar = model.encode(x)
            means.append(mean)
            mse += F.mse_loss(model.decode(mean), x, reduction="sum").item()
            kl += kl_per_image(mean, logvar).sum().item()
    std = torch.cat(means).std().item()
    test = {"images": len(xte), "recon_mse_per_pixel_01": round(mse / (len(xte) * 784) / 4, 6),
            "recon_mse_per_pixel_pm1": round(mse / (len(xte) * 784), 6),
            "kl_nats_per_image": round(kl / len(xte), 3), "latent_std": round(std, 4)}
    print("train %.1f s; test %s" % (train_s, test))

    C.new_folder(args.out)
    cfg = dict(CONFIG, scaling_factor=round(1.0 / std, 5))
    C.write_json(os.path.join(args.out, "config.json"), D.full_config("AutoencoderKL", cfg))
    C.save_state(model, os.path.join(args.out, "diffusion_pytorch_model.safetensors"))
    x = to_pm1(C.fashion_mnist("t10k")[0][:4])
    z = torch.randn(4, CONFIG["latent_channels"], 14, 14, generator=torch.Generator().manual_seed(7))
    m64 = model.double()
    with torch.no_grad():
        mean, logvar = m64.encode(x.double())
        recon = m64.decode(mean)
        dec = m64.decode(z.double())
    C.st.save_file({"x": x, "mean": C.f32(mean), "logvar": C.f32(logvar), "recon": C.f32(recon), "z": z,
                    "decoded": C.f32(dec)}, os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="AutoencoderKL: x = test images 0..3 in [-1,1]; recon = decode(mean); "
                                      "no scaling_factor applied"))
    C.train_info(args, "train_vae_kl.py", train_s, steps, test, log.history, {"kl_weight": KL_WEIGHT})
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
