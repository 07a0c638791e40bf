#!/usr/bin/python3
"""DCGAN (pytorch/examples dcgan/main.py, 32x32 variant) on Fashion-MNIST -> models/dcgan-fashion/.

Images: 28x28 zero-padded (2 px each side) to 32x32, scaled to [-1, 1] (background -1); nc 1.
Generator = tools/ref/models_small.py DCGANGenerator (image_size 32: keys main.0 ... main.9), discriminator
= dcgan/main.py's with one stage fewer (Conv 4/2/1 x3, BN, LeakyReLU 0.2, Conv 4/1/0 -> logit); weights_init,
Adam lr 2e-4 betas (0.5, 0.999), BCE loss (with logits), as the original. Only the generator is saved.
There is no standard test number: losses are recorded, plus the mean/std of generated pixels.
Golden file: noise [4,nz,1,1] (seeded randn) -> image [4,1,32,32] in [-1,1] (float64 reference, eval BN).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import models_small as M  # noqa: E402

NZ, NGF, NDF = 32, 32, 32
CONFIG = {"_class_name": "DCGANGenerator", "nz": NZ, "ngf": NGF, "nc": 1, "image_size": 32}


def discriminator(nc, ndf):
    return nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False))


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def pad32(x_u8):
    return F.pad(x_u8.float().div(127.5).sub(1).unsqueeze(1), (2, 2, 2, 2), value=-1.0)


def main():
    args = C.parser(__doc__.splitlines()[1], 5, "dcgan-fashion", 64, 2e-4).parse_args()
    C.setup(args)
    xtr, _ = C.fashion_mnist("train")
    xtr = pad32(xtr)
    net_g = M.DCGANGenerator(CONFIG)
    net_d = discriminator(1, NDF)
    net_g.apply(weights_init)
    net_d.apply(weights_init)
    opt_d = torch.optim.Adam(net_d.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=args.lr, betas=(0.5, 0.999))
    steps = C.num_steps(args)
    log = C.Log(steps)
    bce = nn.BCEWithLogitsLoss()
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        real = xtr[idx]
        b = real.shape[0]
        ones, zeros = torch.ones(b), torch.zeros(b)
        # (1) D: maximize log D(x) + log(1 - D(G(z)))
        net_d.zero_grad()
        out_r = net_d(real).view(-1)
        err_dr = bce(out_r, ones)
        fake = net_g(torch.randn(b, NZ, 1, 1))
        out_f = net_d(fake.detach()).view(-1)
        err_df = bce(out_f, zeros)
        (err_dr + err_df).backward()
        opt_d.step()
        # (2) G: maximize log D(G(z))
        net_g.zero_grad()
        out = net_d(fake).view(-1)
        err_g = bce(out, ones)
        err_g.backward()
        opt_g.step()
        log.step(i, loss_d=(err_dr + err_df).item(), loss_g=err_g.item(),
                 d_x=torch.sigmoid(out_r).mean().item(), d_g_z=torch.sigmoid(out).mean().item())
    train_s = log.elapsed()

    net_g.eval()
    with torch.no_grad():
        samp = net_g(torch.randn(1000, NZ, 1, 1, generator=torch.Generator().manual_seed(5)))
    last = log.history[-1]
    test = {"note": "GAN: no test-set number; final losses and sample statistics",
            "final_loss_d": last["loss_d"], "final_loss_g": last["loss_g"],
            "sample_mean": round(samp.mean().item(), 4), "sample_std": round(samp.std().item(), 4),
            "real_mean": round(xtr[:1000].mean().item(), 4), "real_std": round(xtr[:1000].std().item(), 4)}
    print("train %.1f s; %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), CONFIG)
    C.save_state(net_g, os.path.join(args.out, "model.safetensors"))
    z = torch.randn(4, NZ, 1, 1, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        img = net_g.double()(z.double())
    C.st.save_file({"noise": z, "image": C.f32(img)}, os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="DCGANGenerator (eval BatchNorm): noise -> image in [-1,1]"))
    C.train_info(args, "train_dcgan.py", train_s, steps, test, log.history,
                 {"discriminator": "dcgan/main.py 32x32 variant, ndf %d (not saved)" % NDF})
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
