"""StyleGAN2 generator (config F, 'skip' or 'orig' synthesis) in plain PyTorch for fixtures.

Written for vkgen from the StyleGAN2 / StyleGAN2-ADA papers' generator description, with the module
and buffer names of NVlabs stylegan2-ada-pytorch's `training/networks.py` `Generator`, so that
`state_dict()` has the same keys and shapes (mapping.fcN.weight/bias, mapping.embed.*, mapping.w_avg,
synthesis.bR.const / conv0 / conv1 / torgb / resample_filter, ...). Inference only; every op is
ordinary torch (no custom kernels), so it runs in float64 for "exact" fixture answers.

Math (what vkgen implements, see docs/gan.md):
  FC layer:      y = x @ (W * lr / sqrt(in))^T + b * lr, then act; 'lrelu' = leaky_relu(0.2) * sqrt(2)
  mapping:       x = norm2(z) [, norm2(embed(c))] concatenated; fc0..fcN-1 lrelu (lr 0.01)
                 norm2(x) = x * rsqrt(mean(x^2, dim 1) + 1e-8)
  truncation:    ws[:, :cutoff] = w_avg + psi * (ws[:, :cutoff] - w_avg)
  synthesis:     modulated conv (styles = affine(w), bias init 1), demodulation
                 rsqrt(sum_ikk (W s)^2 + 1e-8), noise * noise_strength, bias, lrelu * sqrt(2),
                 clamp to +-conv_clamp; up=2 layers: transposed conv stride 2 then the 4x4 FIR
                 (gain 4, padding 1); ToRGB: styles * 1/sqrt(cin), no demodulation, bias, clamp;
                 'skip': img = upfirdn2d(img, up 2, pad (2, 1), gain 4) + torgb(x).
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def setup_filter(taps):
    """1-D taps -> normalized 2-D outer-product filter (float32), as stored in `resample_filter`."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    if f.ndim == 1:
        f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x, f, up=1, pad=(0, 0, 0, 0), gain=1.0):
    """Zero-insertion upsampling by `up`, pad (x0, x1, y0, y1) (negative crops), then the FIR
    filter f (true convolution, i.e. flipped correlation) scaled by gain."""
    b, c, h, w = x.shape
    if up > 1:
        z = x.new_zeros([b, c, h * up, w * up])
        z[:, :, ::up, ::up] = x
        x = z
    x0, x1, y0, y1 = pad
    x = F.pad(x, [max(x0, 0), max(x1, 0), max(y0, 0), max(y1, 0)])
    x = x[:, :, max(-y0, 0):x.shape[2] - max(-y1, 0), max(-x0, 0):x.shape[3] - max(-x1, 0)]
    k = (f.to(x.dtype) * gain).flip([0, 1])
    return F.conv2d(x, k[None, None].repeat(c, 1, 1, 1), groups=c)


def norm2(x, eps=1e-8):
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def bias_act(x, b, act, gain, clamp):
    x = x + b.reshape(1, -1, *([1] * (x.ndim - 2)))
    if act == "lrelu":
        x = F.leaky_relu(x, 0.2)
    x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


class FC(nn.Module):
    def __init__(self, cin, cout, act="linear", lr=1.0, bias_init=0.0):
        super().__init__()
        self.act, self.wg, self.bg = act, lr / math.sqrt(cin), lr
        self.weight = nn.Parameter(torch.randn([cout, cin]) / lr)
        self.bias = nn.Parameter(torch.full([cout], float(bias_init)))

    def forward(self, x):
        y = x @ (self.weight * self.wg).t() + self.bias * self.bg
        if self.act == "lrelu":
            y = F.leaky_relu(y, 0.2) * math.sqrt(2)
        return y


class Mapping(nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, num_ws, layers=8, lr=0.01):
        super().__init__()
        self.z_dim, self.c_dim, self.num_ws, self.layers = z_dim, c_dim, num_ws, layers
        embed = w_dim if c_dim > 0 else 0
        feats = [z_dim + embed] + [w_dim] * layers
        if c_dim > 0:
            self.embed = FC(c_dim, embed)
        for i in range(layers):
            setattr(self, f"fc{i}", FC(feats[i], feats[i + 1], act="lrelu", lr=lr))
        self.register_buffer("w_avg", torch.zeros([w_dim]))

    def forward(self, z, c=None, psi=1.0, cutoff=None):
        parts = []
        if self.z_dim > 0:
            parts.append(norm2(z))
        if self.c_dim > 0:
            parts.append(norm2(self.embed(c)))
        x = torch.cat(parts, dim=1)
        for i in range(self.layers):
            x = getattr(self, f"fc{i}")(x)
        ws = x.unsqueeze(1).repeat([1, self.num_ws, 1])
        if psi != 1:
            n = self.num_ws if cutoff is None else cutoff
            avg = self.w_avg.to(ws.dtype)
            ws[:, :n] = avg + psi * (ws[:, :n] - avg)
        return x, ws


def modconv(x, weight, styles, demod, up, pad, filt):
    """Per-sample modulated weights (the 'fused' formulation), one conv per sample."""
    outs = []
    for n in range(x.shape[0]):
        w = weight * styles[n].reshape(1, -1, 1, 1)
        if demod:
            w = w * (w.square().sum(dim=[1, 2, 3]) + 1e-8).rsqrt().reshape(-1, 1, 1, 1)
        xn = x[n:n + 1]
        if up == 1:
            y = F.conv2d(xn, w, padding=pad)
        else:  # transposed conv (stride 2, unflipped weight) then the FIR with padding 1, gain 4
            k = w.shape[-1]
            y = F.conv_transpose2d(xn, w.transpose(0, 1), stride=2)
            p0 = pad + (4 + 2 - 1) // 2 - (k - 1)
            p1 = pad + (4 - 2) // 2 - (k - 2)
            y = upfirdn2d(y, filt, pad=(p0, p1, p0, p1), gain=4.0)
        outs.append(y)
    return torch.cat(outs, dim=0)


class Layer(nn.Module):
    def __init__(self, cin, cout, w_dim, res, up=1, clamp=None, k=3):
        super().__init__()
        self.res, self.up, self.clamp = res, up, clamp
        self.register_buffer("resample_filter", setup_filter([1, 3, 3, 1]))
        self.affine = FC(w_dim, cin, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn([cout, cin, k, k]))
        self.register_buffer("noise_const", torch.randn([res, res]))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([cout]))

    def forward(self, x, w, noise_mode="const", noise=None):
        s = self.affine(w)
        y = modconv(x, self.weight.to(x.dtype), s, True, self.up, self.weight.shape[-1] // 2,
                    self.resample_filter)
        if noise_mode == "const":
            y = y + self.noise_const.to(y.dtype) * self.noise_strength.to(y.dtype)
        elif noise_mode == "random":
            y = y + noise.to(y.dtype) * self.noise_strength.to(y.dtype)
        return bias_act(y, self.bias.to(y.dtype), "lrelu", math.sqrt(2), self.clamp)


class ToRGB(nn.Module):
    def __init__(self, cin, cout, w_dim, clamp=None):
        super().__init__()
        self.clamp = clamp
        self.affine = FC(w_dim, cin, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn([cout, cin, 1, 1]))
        self.bias = nn.Parameter(torch.zeros([cout]))
        self.wg = 1 / math.sqrt(cin)

    def forward(self, x, w):
        s = self.affine(w) * self.wg
        y = modconv(x, self.weight.to(x.dtype), s, False, 1, 0, None)
        return bias_act(y, self.bias.to(y.dtype), "linear", 1.0, self.clamp)


class Block(nn.Module):
    def __init__(self, cin, cout, w_dim, res, img_channels, is_last, arch, clamp):
        super().__init__()
        self.cin, self.res, self.arch = cin, res, arch
        self.register_buffer("resample_filter", setup_filter([1, 3, 3, 1]))
        self.num_conv = 1 if cin == 0 else 2
        self.num_torgb = 1 if (is_last or arch == "skip") else 0
        if cin == 0:
            self.const = nn.Parameter(torch.randn([cout, res, res]))
        else:
            self.conv0 = Layer(cin, cout, w_dim, res, up=2, clamp=clamp)
        self.conv1 = Layer(cout, cout, w_dim, res, clamp=clamp)
        if self.num_torgb:
            self.torgb = ToRGB(cout, img_channels, w_dim, clamp=clamp)

    def forward(self, x, img, ws, noise_mode, noises):
        i = 0
        if self.cin == 0:
            x = self.const.to(ws.dtype).unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
        else:
            x = self.conv0(x, ws[:, 0], noise_mode, noises.pop(0) if noises else None)
            i = 1
        x = self.conv1(x, ws[:, i], noise_mode, noises.pop(0) if noises else None)
        if img is not None:
            img = upfirdn2d(img, self.resample_filter, up=2, pad=(2, 1, 2, 1), gain=4.0)
        if self.num_torgb:
            y = self.torgb(x, ws[:, i + 1])
            img = y if img is None else img + y
        return x, img


class Synthesis(nn.Module):
    def __init__(self, w_dim, img_resolution, img_channels, channel_base, channel_max, arch="skip", clamp=None):
        super().__init__()
        self.res = [2 ** i for i in range(2, int(math.log2(img_resolution)) + 1)]
        ch = {r: min(channel_base // r, channel_max) for r in self.res}
        self.num_ws = 0
        for r in self.res:
            b = Block(ch[r // 2] if r > 4 else 0, ch[r], w_dim, r, img_channels, r == img_resolution, arch, clamp)
            self.num_ws += b.num_conv + (b.num_torgb if r == img_resolution else 0)
            setattr(self, f"b{r}", b)

    def forward(self, ws, noise_mode="const", noises=None):
        """noises: for noise_mode 'random', one [B, 1, R, R] tensor per layer in order."""
        noises = list(noises) if noises is not None else None
        x = img = None
        k = 0
        for r in self.res:
            b = getattr(self, f"b{r}")
            x, img = b(x, img, ws[:, k:k + b.num_conv + b.num_torgb], noise_mode, noises)
            k += b.num_conv
        return img


class Generator(nn.Module):
    def __init__(self, z_dim, c_dim, w_dim, img_resolution, img_channels, channel_base=32768, channel_max=512,
                 mapping_layers=8, arch="skip", conv_clamp=None):
        super().__init__()
        self.synthesis = Synthesis(w_dim, img_resolution, img_channels, channel_base, channel_max, arch, conv_clamp)
        self.num_ws = self.synthesis.num_ws
        self.mapping = Mapping(z_dim, c_dim, w_dim, self.num_ws, mapping_layers)

    def forward(self, z, c=None, psi=1.0, cutoff=None, noise_mode="const", noises=None):
        _, ws = self.mapping(z, c, psi, cutoff)
        return self.synthesis(ws, noise_mode, noises)


def randomize(g, seed):
    """Non-trivial random values for everything the default init leaves constant."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith("noise_strength"):
                p.copy_(torch.randn([], generator=gen) * 0.5)
            elif name.endswith("bias"):
                p.add_(torch.randn(p.shape, generator=gen) * 0.2)
        g.mapping.w_avg.copy_(torch.randn(g.mapping.w_avg.shape, generator=gen))
    return g


def noise_layer_resolutions(g):
    """Resolution of each noise input in synthesis order (b4.conv1, b8.conv0, b8.conv1, ...)."""
    out = []
    for r in g.synthesis.res:
        out += [r] if r == 4 else [r, r]
    return out


if __name__ == "__main__":
    g = Generator(16, 0, 16, 32, 3, channel_base=256, channel_max=32).double()
    print(sorted(g.state_dict().keys()))
    print(g(torch.randn(2, 16, dtype=torch.float64)).shape, np.float64(0))
