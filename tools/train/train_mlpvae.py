#!/usr/bin/python3
"""MLP VAE (pytorch/examples vae/main.py: 784-400-20) on Fashion-MNIST -> models/mlpvae-fashion/.

Input: images in [0, 1] (pixel / 255), flattened to 784; Bernoulli decoder (sigmoid), loss = BCE(sum) + KL
as in the original (Adam, lr 1e-3, batch 128). Test numbers: the negative ELBO per image (nats, one z
sample, the original's test loss) and the MSE of decode(mu) against the input (per pixel, [0, 1] scale).
Golden file golden.safetensors: x [4,1,28,28] (test images 0..3) -> mu, logvar [4,20], recon = decode(mu)
[4,1,28,28]; z [4,20] (seeded randn) -> decoded [4,1,28,28]; outputs computed in float64.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import models_small as M  # noqa: E402

CONFIG = {"_class_name": "MLPVAE", "input_dim": 784, "hidden_dim": 400, "latent_dim": 20,
          "image_shape": [1, 28, 28]}


def loss_fn(model, x, g=None):
    mu, logvar = model.encode(x)
    eps = torch.randn(mu.shape, generator=g) if g is not None else torch.randn_like(mu)
    z = mu + eps * torch.exp(0.5 * logvar)
    recon = model.decode(z)
    bce = F.binary_cross_entropy(recon, x.reshape(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld, bce, kld


def main():
    args = C.parser(__doc__.splitlines()[1], 10, "mlpvae-fashion", 128, 1e-3).parse_args()
    C.setup(args)
    xtr, _ = C.fashion_mnist("train")
    xte, _ = C.fashion_mnist("t10k")
    xtr = xtr.float().div(255).unsqueeze(1)
    xte = xte[:args.test_limit].float().div(255).unsqueeze(1)
    model = M.MLPVAE(CONFIG)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = C.num_steps(args)
    log = C.Log(steps)
    model.train()
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        loss, bce, kld = loss_fn(model, xtr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.step(i, loss=loss.item() / len(idx), bce=bce.item() / len(idx), kld=kld.item() / len(idx))
    train_s = log.elapsed()

    model.eval()
    g = torch.Generator().manual_seed(123)
    tot = mse = 0.0
    with torch.no_grad():
        for i in range(0, len(xte), 500):
            x = xte[i:i + 500]
            loss, _, _ = loss_fn(model, x, g)
            tot += loss.item()
            mu, _ = model.encode(x)
            mse += F.mse_loss(model.decode(mu), x.reshape(-1, 784), reduction="sum").item()
    test = {"images": len(xte), "neg_elbo_nats_per_image": round(tot / len(xte), 3),
            "recon_mse_per_pixel": round(mse / (len(xte) * 784), 6)}
    print("train %.1f s; test %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), CONFIG)
    C.save_state(model, os.path.join(args.out, "model.safetensors"))
    m64 = model.double()
    x = xte[:4] if len(xte) >= 4 else C.fashion_mnist("t10k")[0][:4].float().div(255).unsqueeze(1)
    z = torch.randn(4, CONFIG["latent_dim"], generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        mu, logvar = m64.encode(x.double())
        recon = m64.decode(mu).reshape(4, 1, 28, 28)
        dec = m64.decode(z.double()).reshape(4, 1, 28, 28)
    C.st.save_file({"x": x, "mu": C.f32(mu), "logvar": C.f32(logvar), "recon": C.f32(recon), "z": z,
                    "decoded": C.f32(dec)}, os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="MLPVAE: x = test images 0..3 in [0,1]; recon = decode(mu)"))
    C.train_info(args, "train_mlpvae.py", train_s, steps, test, log.history)
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
