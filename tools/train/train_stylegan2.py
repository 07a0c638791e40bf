#!/usr/bin/python3
"""Tiny StyleGAN2 (config F style, 'skip' G, residual D) on Fashion-MNIST 32x32 -> models/stylegan2-fashion/.

    /usr/bin/python3 tools/train/train_stylegan2.py --threads 1 --minutes 35

Images: 28x28 padded (2 px each side, background -1) to 32x32 in [-1, 1], 1 channel (as train_dcgan.py).
Generator = tools/ref/stylegan2_ref.py Generator (the stylegan2-ada-pytorch G_ema state_dict names), trained
with the activation-modulation form of the modulated conv (x * s, shared conv, * demod: the same function as
the reference's per-sample weight modulation, batched) and per-layer random noise. Discriminator (written here,
not saved): equalized-lr convs, fromRGB 1x1 at 32x32, residual blocks (conv3x3, conv3x3 + avgpool2, skip
1x1 + avgpool2, sum / sqrt 2) to 4x4, minibatch-stddev (group 4), conv3x3, fc, fc -> logit.
Loss: non-saturating logistic; lazy R1 on reals (gamma --gamma, every 16 steps, scaled by 16);
Adam betas (0, 0.99) for both nets; G_ema with a half-life of --ema-kimg thousand images; w_avg tracked
(lerp 0.995) as the original does. No style mixing, no path-length regularization, no ADA.
Time-bounded: --minutes stops early. Only G_ema is saved (config.json as tools/convert_stylegan2.py writes it).
Golden file: z [4, z_dim] (seeded randn) -> image [4,1,32,32], noise_mode const, psi 1 (float64 reference).
"""
import copy
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import stylegan2_ref as R  # noqa: E402
from make_stylegan2_fixtures import config_json  # noqa: E402

CFG = dict(z_dim=64, c_dim=0, w_dim=64, img_resolution=32, img_channels=1, channel_base=512, channel_max=128,
           mapping_layers=2, conv_clamp=None)
REF_MODCONV = R.modconv


def fast_modconv(x, weight, styles, demod, up, pad, filt):
    """R.modconv's function without the per-sample loop: modulate activations, shared conv, demodulate."""
    y = x * styles.reshape(x.shape[0], -1, 1, 1)
    if up == 1:
        y = F.conv2d(y, weight, padding=pad)
    else:
        k = weight.shape[-1]
        y = F.conv_transpose2d(y, weight.transpose(0, 1), stride=2)
        p0 = pad + (4 + 2 - 1) // 2 - (k - 1)
        p1 = pad + (4 - 2) // 2 - (k - 2)
        y = R.upfirdn2d(y, filt, pad=(p0, p1, p0, p1), gain=4.0)
    if demod:
        d = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()
        y = y * d.reshape(x.shape[0], -1, 1, 1)
    return y


class EqConv(nn.Module):
    def __init__(self, cin, cout, k, bias=True, act=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.g, self.pad, self.act = 1 / math.sqrt(cin * k * k), k // 2, act

    def forward(self, x):
        y = F.conv2d(x, self.weight * self.g, self.bias, padding=self.pad)
        return F.leaky_relu(y, 0.2) * math.sqrt(2) if self.act else y


class EqFC(nn.Module):
    def __init__(self, cin, cout, act=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.g, self.act = 1 / math.sqrt(cin), act

    def forward(self, x):
        y = F.linear(x, self.weight * self.g, self.bias)
        return F.leaky_relu(y, 0.2) * math.sqrt(2) if self.act else y


class DBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv0, self.conv1 = EqConv(cin, cin, 3), EqConv(cin, cout, 3)
        self.skip = EqConv(cin, cout, 1, bias=False, act=False)

    def forward(self, x):
        s = F.avg_pool2d(self.skip(x), 2)
        y = F.avg_pool2d(self.conv1(self.conv0(x)), 2)
        return (s + y) / math.sqrt(2)


class Discriminator(nn.Module):
    def __init__(self, ch=(16, 32, 64, 128), cin=1):
        super().__init__()
        self.frgb = EqConv(cin, ch[0], 1)
        self.blocks = nn.Sequential(*[DBlock(ch[i], ch[i + 1]) for i in range(len(ch) - 1)])  # 32 -> 4
        self.conv = EqConv(ch[-1] + 1, ch[-1], 3)
        self.fc = EqFC(ch[-1] * 16, ch[-1])
        self.out = EqFC(ch[-1], 1, act=False)

    def forward(self, x):
        x = self.blocks(self.frgb(x))
        b, c, h, w = x.shape
        g = min(4, b)
        y = x.reshape(g, -1, c, h, w)
        y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt().mean(dim=[1, 2, 3])  # [b/g]
        y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
        x = self.conv(torch.cat([x, y], 1))
        return self.out(self.fc(x.flatten(1))).squeeze(1)


def pad32(x_u8):
    return F.pad(x_u8.float().div(127.5).sub(1).unsqueeze(1), (2, 2, 2, 2), value=-1.0)


def build():
    return R.Generator(CFG["z_dim"], CFG["c_dim"], CFG["w_dim"], CFG["img_resolution"], CFG["img_channels"],
                       CFG["channel_base"], CFG["channel_max"], CFG["mapping_layers"], conv_clamp=CFG["conv_clamp"])


def run_g(g, z, res, track_w=False):
    w, ws = g.mapping(z)
    if track_w:
        with torch.no_grad():
            g.mapping.w_avg.copy_(w.detach().mean(0).lerp(g.mapping.w_avg, 0.995))
    noises = [torch.randn(z.shape[0], 1, r, r) for r in res]
    return g.synthesis(ws, "random", noises)


def grid_png(img, path, nrow=8):
    from PIL import Image
    x = ((img.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[:, 0]
    n, h, w = x.shape
    rows = (n + nrow - 1) // nrow
    out = torch.zeros(rows * (h + 2), nrow * (w + 2), dtype=torch.uint8)
    for i in range(n):
        r, c = divmod(i, nrow)
        out[r * (h + 2) + 1:r * (h + 2) + 1 + h, c * (w + 2) + 1:c * (w + 2) + 1 + w] = x[i]
    Image.fromarray(out.numpy()).resize((out.shape[1] * 3, out.shape[0] * 3), Image.NEAREST).save(path)


def main():
    ap = C.parser(__doc__.splitlines()[0], 100, "stylegan2-fashion", 32, 0.0025)
    ap.add_argument("--minutes", type=float, default=35.0, help="stop training after this wall time")
    ap.add_argument("--gamma", type=float, default=0.1, help="R1 weight (default %(default)s)")
    ap.add_argument("--r1-every", type=int, default=16)
    ap.add_argument("--ema-kimg", type=float, default=10.0, help="G_ema half-life in thousands of images")
    ap.add_argument("--preview", default=None, help="also write a sample grid PNG here (every ~5 min and at the end)")
    args = ap.parse_args()
    C.setup(args)
    R.modconv = fast_modconv
    xtr, _ = C.fashion_mnist("train")
    xtr = pad32(xtr)
    g, d = build(), Discriminator()
    g_ema = copy.deepcopy(g).eval().requires_grad_(False)
    res = R.noise_layer_resolutions(g)
    mb = args.r1_every / (args.r1_every + 1)  # lazy-regularization Adam correction (StyleGAN2 paper)
    opt_g = torch.optim.Adam(g.parameters(), lr=args.lr, betas=(0, 0.99))
    opt_d = torch.optim.Adam(d.parameters(), lr=args.lr * mb, betas=(0, 0.99 ** mb))
    steps = C.num_steps(args)
    log = C.Log(steps, every=30.0)
    beta = 0.5 ** (args.batch_size / (args.ema_kimg * 1000))
    zfix = torch.randn(32, CFG["z_dim"], generator=torch.Generator().manual_seed(3))
    deadline, next_prev, done, r1 = time.time() + args.minutes * 60, time.time() + 300, 0, torch.zeros([])
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        real = xtr[idx]
        b = real.shape[0]
        # D: softplus(D(fake)) + softplus(-D(real)); lazy R1 every r1_every steps
        with torch.no_grad():
            fake = run_g(g, torch.randn(b, CFG["z_dim"]), res)
        loss_d = F.softplus(d(fake)).mean() + F.softplus(-d(real)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        if i % args.r1_every == 0:
            xr = real.detach().requires_grad_(True)
            grad, = torch.autograd.grad(d(xr).sum(), xr, create_graph=True)
            r1 = grad.square().sum(dim=[1, 2, 3]).mean()
            opt_d.zero_grad(set_to_none=True)
            (r1 * (args.gamma / 2) * args.r1_every).backward()
            opt_d.step()
        # G: softplus(-D(G(z)))
        fake = run_g(g, torch.randn(b, CFG["z_dim"]), res, track_w=True)
        loss_g = F.softplus(-d(fake)).mean()
        opt_g.zero_grad(set_to_none=True)
        d.requires_grad_(False)
        loss_g.backward()
        d.requires_grad_(True)
        opt_g.step()
        with torch.no_grad():
            for pe, p in zip(g_ema.parameters(), g.parameters()):
                pe.copy_(p.lerp(pe, beta))
            for be, bb in zip(g_ema.buffers(), g.buffers()):
                be.copy_(bb)
        done = i + 1
        log.step(i, loss_d=loss_d.item(), loss_g=loss_g.item(), r1=r1.item(), kimg=done * b / 1000)
        now = time.time()
        if args.preview and now > next_prev:
            next_prev = now + 300
            with torch.no_grad():
                grid_png(g_ema.synthesis(g_ema.mapping(zfix)[1], "const"), args.preview)
        if now > deadline:
            print("time limit: stopped after %d of %d steps" % (done, steps), flush=True)
            break
    train_s = log.elapsed()
    R.modconv = REF_MODCONV

    with torch.no_grad():
        samp = torch.cat([g_ema(torch.randn(100, CFG["z_dim"], generator=torch.Generator().manual_seed(5 + k)))
                          for k in range(2)])
    if args.preview:
        grid_png(samp[:64], args.preview)
    last = log.history[-1]
    test = {"note": "GAN: no test-set number; final losses and G_ema sample statistics (200 samples, const noise)",
            "final_loss_d": last["loss_d"], "final_loss_g": last["loss_g"], "images_seen": done * args.batch_size,
            "sample_mean": round(samp.mean().item(), 4), "sample_std": round(samp.std().item(), 4),
            "real_mean": round(xtr[:1000].mean().item(), 4), "real_std": round(xtr[:1000].std().item(), 4)}
    print("train %.1f s; %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), config_json(CFG, g_ema.num_ws))
    C.save_state(g_ema, os.path.join(args.out, "model.safetensors"))
    z = torch.randn(4, CFG["z_dim"], generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        img = copy.deepcopy(g_ema).double()(z.double(), noise_mode="const")
    C.st.save_file({"z": z, "image": C.f32(img)}, os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="StyleGAN2Generator G_ema: z -> image, psi 1, noise_mode const"))
    C.train_info(args, "train_stylegan2.py", train_s, done, test, log.history,
                 {"gamma": args.gamma, "r1_every": args.r1_every, "ema_kimg": args.ema_kimg,
                  "minutes": args.minutes, "images_seen": done * args.batch_size, "generator": CFG,
                  "discriminator": "residual, equalized lr, channels 16-32-64-128, mbstd (not saved)"})
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
