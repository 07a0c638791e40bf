"""Plain-PyTorch reference models for vkgen's non-diffusers families; state_dict keys match the originals.

DCGANGenerator  pytorch/examples dcgan/main.py `Generator`: nn.Sequential `main` of
                ConvTranspose2d(nz, ngf*m0, 4, 1, 0, bias=False), BatchNorm2d, ReLU, then
                ConvTranspose2d(ngf*m, ngf*m/2, 4, 2, 1, bias=False), BatchNorm2d, ReLU ..., and
                ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), Tanh.  image_size 64 gives the original
                (m0 = 8, keys main.0 ... main.12); image_size 32 drops one stage (m0 = 4, keys main.0 ... main.9).
                Input noise [B, nz, 1, 1] -> image [B, nc, S, S] in [-1, 1].
PixelCNN        jzbontar/pixelcnn-pytorch main.py: nn.Sequential of MaskedConv2d('A', in, fm, k, 1, k//2,
                bias=False), BatchNorm2d(fm), ReLU, then (layers-1) x [MaskedConv2d('B', fm, fm, ...), BN, ReLU],
                then Conv2d(fm, 256, 1).  Keys: 0.weight, 0.mask, 1.weight, 1.bias, 1.running_mean,
                1.running_var, 1.num_batches_tracked, 3.weight, ..., {3L}.weight, {3L}.bias.
                Input: float image = pixel / 255 (torchvision ToTensor on MNIST), [B, 1, H, W];
                output logits [B, 256, H, W] (cross-entropy target = round(input * 255)).
                The original multiplies weight by mask in place at every forward; here the product is taken
                without touching the stored weight, so saved weights may hold non-zero values under the mask
                and a loader MUST apply `mask` (as the original does).
MLPVAE          pytorch/examples vae/main.py `VAE`: fc1 (784->400), fc21/fc22 (400->20), fc3 (20->400),
                fc4 (400->784); encode: h = relu(fc1(x)), mu = fc21(h), logvar = fc22(h);
                decode: sigmoid(fc4(relu(fc3(z)))).  Sizes are configurable (input_dim, hidden_dim, latent_dim).
FIDInceptionV3  mseitzer/pytorch-fid inception.py fid_inception_v3(): torchvision Inception3(num_classes=1008,
                aux_logits=False) with Mixed_5b/5c/5d = FIDInceptionA, Mixed_6b..6e = FIDInceptionC,
                Mixed_7b = FIDInceptionE_1, Mixed_7c = FIDInceptionE_2.  Keys as torchvision
                (Conv2d_1a_3x3.conv.weight, Conv2d_1a_3x3.bn.running_mean, ..., fc.weight, fc.bias).
                forward(images in [0, 1]) -> (pool [B, 2048], logits [B, num_classes]):
                bilinear resize to 299x299 (align_corners=False) when resize, x = 2x - 1, network,
                adaptive avg pool, fc.  `width_divisor` divides every channel count (16 -> pool 128) so a
                narrow variant keeps the key names.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------------------------
class DCGANGenerator(nn.Module):
    def __init__(self, config):
        super().__init__()
        nz, ngf, nc = config.get("nz", 100), config.get("ngf", 64), config.get("nc", 3)
        size = config.get("image_size", 64)
        stages = {16: 2, 32: 3, 64: 4, 128: 5}[size]  # number of BatchNorm stages
        m = 2 ** (stages - 1)
        layers = [nn.ConvTranspose2d(nz, ngf * m, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * m), nn.ReLU(True)]
        while m > 1:
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(ngf * m // 2), nn.ReLU(True)]
            m //= 2
        layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z)


# --------------------------------------------------------------------------------------------
class MaskedConv2d(nn.Conv2d):
    def __init__(self, mask_type, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert mask_type in ("A", "B")
        self.register_buffer("mask", self.weight.data.clone())
        _, _, kh, kw = self.weight.size()
        self.mask.fill_(1)
        self.mask[:, :, kh // 2, kw // 2 + (mask_type == "B"):] = 0
        self.mask[:, :, kh // 2 + 1:] = 0

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding)


def PixelCNN(config):
    fm = config.get("fm", 64)
    n = config.get("layers", 8)
    k = config.get("kernel_size", 7)
    cin = config.get("in_channels", 1)
    levels = config.get("levels", 256)
    mods = [MaskedConv2d("A", cin, fm, k, 1, k // 2, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True)]
    for _ in range(n - 1):
        mods += [MaskedConv2d("B", fm, fm, k, 1, k // 2, bias=False), nn.BatchNorm2d(fm), nn.ReLU(True)]
    mods.append(nn.Conv2d(fm, levels, 1))
    return nn.Sequential(*mods)


# --------------------------------------------------------------------------------------------
class MLPVAE(nn.Module):
    def __init__(self, config):
        super().__init__()
        d, h, z = config.get("input_dim", 784), config.get("hidden_dim", 400), config.get("latent_dim", 20)
        self.input_dim = d
        self.fc1 = nn.Linear(d, h)
        self.fc21 = nn.Linear(h, z)
        self.fc22 = nn.Linear(h, z)
        self.fc3 = nn.Linear(z, h)
        self.fc4 = nn.Linear(h, d)

    def encode(self, x):
        h1 = F.relu(self.fc1(x.reshape(-1, self.input_dim)))
        return self.fc21(h1), self.fc22(h1)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))


# --------------------------------------------------------------------------------------------
# torchvision.models.inception building blocks, with every channel count divided by `d`
class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, **kw):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class FIDInceptionA(nn.Module):
    def __init__(self, cin, pool_features, d):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64 // d, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(cin, 48 // d, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48 // d, 64 // d, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64 // d, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64 // d, 96 // d, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96 // d, 96 // d, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features // d, kernel_size=1)
        self.out_channels = (64 + 64 + 96 + pool_features) // d

    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    def __init__(self, cin, d):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384 // d, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64 // d, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64 // d, 96 // d, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96 // d, 96 // d, kernel_size=3, stride=2)
        self.out_channels = (384 + 96) // d + cin

    def forward(self, x):
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, bd, bp], 1)


class FIDInceptionC(nn.Module):
    def __init__(self, cin, c7, d):
        super().__init__()
        c7 //= d
        self.branch1x1 = BasicConv2d(cin, 192 // d, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192 // d, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192 // d, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192 // d, kernel_size=1)
        self.out_channels = 4 * (192 // d)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for m in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = m(bd)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, bd, bp], 1)


class InceptionD(nn.Module):
    def __init__(self, cin, d):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192 // d, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192 // d, 320 // d, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192 // d, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192 // d, 192 // d, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192 // d, 192 // d, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192 // d, 192 // d, kernel_size=3, stride=2)
        self.out_channels = (320 + 192) // d + cin

    def forward(self, x):
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_1(x)
        for m in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = m(b7)
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, b7, bp], 1)


class FIDInceptionE(nn.Module):
    """pool = 'avg' (FIDInceptionE_1, count_include_pad=False) or 'max' (FIDInceptionE_2)."""

    def __init__(self, cin, d, pool):
        super().__init__()
        self.pool = pool
        self.branch1x1 = BasicConv2d(cin, 320 // d, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 384 // d, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384 // d, 384 // d, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384 // d, 384 // d, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448 // d, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448 // d, 384 // d, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384 // d, 384 // d, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384 // d, 384 // d, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192 // d, kernel_size=1)
        self.out_channels = (320 + 4 * 384 + 192) // d

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        if self.pool == "avg":
            bp = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        else:
            bp = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        bp = self.branch_pool(bp)
        return torch.cat([b1, b3, bd, bp], 1)


class FIDInceptionV3(nn.Module):
    def __init__(self, config):
        super().__init__()
        d = config.get("width_divisor", 1)
        for c in (32, 48, 64, 80, 96, 128, 160, 192, 320, 384, 448):
            if c % d:
                raise ValueError("width_divisor %d does not divide %d" % (d, c))
        self.resize = config.get("resize", True)
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32 // d, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32 // d, 32 // d, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32 // d, 64 // d, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64 // d, 80 // d, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80 // d, 192 // d, kernel_size=3)
        self.Mixed_5b = FIDInceptionA(192 // d, 32, d)
        self.Mixed_5c = FIDInceptionA(self.Mixed_5b.out_channels, 64, d)
        self.Mixed_5d = FIDInceptionA(self.Mixed_5c.out_channels, 64, d)
        self.Mixed_6a = InceptionB(self.Mixed_5d.out_channels, d)
        self.Mixed_6b = FIDInceptionC(self.Mixed_6a.out_channels, 128, d)
        self.Mixed_6c = FIDInceptionC(self.Mixed_6b.out_channels, 160, d)
        self.Mixed_6d = FIDInceptionC(self.Mixed_6c.out_channels, 160, d)
        self.Mixed_6e = FIDInceptionC(self.Mixed_6d.out_channels, 192, d)
        self.Mixed_7a = InceptionD(self.Mixed_6e.out_channels, d)
        self.Mixed_7b = FIDInceptionE(self.Mixed_7a.out_channels, d, "avg")
        self.Mixed_7c = FIDInceptionE(self.Mixed_7b.out_channels, d, "max")
        self.fc = nn.Linear(self.Mixed_7c.out_channels, config.get("num_classes", 1008))

    def forward(self, x):
        if self.resize:
            x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        x = 2 * x - 1
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for m in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                  self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = m(x)
        pool = torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1)
        return pool, self.fc(pool)


def build(config):
    name = config["_class_name"]
    if name == "DCGANGenerator":
        return DCGANGenerator(config)
    if name == "PixelCNN":
        return PixelCNN(config)
    if name == "MLPVAE":
        return MLPVAE(config)
    if name == "FIDInceptionV3":
        return FIDInceptionV3(config)
    raise NotImplementedError(name)
