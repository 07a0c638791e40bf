#!/usr/bin/python3
"""Sample / reconstruction grids from the trained model folders (a visual check; PNGs via PIL).

    /usr/bin/python3 tools/train/preview.py [--models DIR] [--out DIR] [--ddim-steps 50]
Writes OUT/<name>.png for every model folder found (mlpvae-fashion: decode(randn); vae-kl-fashion and
vqvae-fashion: top row test images, bottom row reconstructions; dcgan-fashion, stylegan2-fashion: generate(randn);
pixelcnn-fashion: ancestral samples; ddpm-fashion: DDIM eta 0 samples).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import diffusers_ref as D  # noqa: E402
import gpt_ref as G  # noqa: E402
import models_small as M  # noqa: E402
import schedulers as S  # noqa: E402
import stylegan2_ref as R  # noqa: E402


def load(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    name = cfg["_class_name"]
    if name in ("UNet2DModel", "AutoencoderKL", "VQModel"):
        m = D.build(cfg)
        m.load_state_dict(C.st.load_file(os.path.join(folder, "diffusion_pytorch_model.safetensors")))
    elif name == "StyleGAN2Generator":
        m = R.Generator(cfg["z_dim"], cfg["c_dim"], cfg["w_dim"], cfg["img_resolution"], cfg["img_channels"],
                        cfg["channel_base"], cfg["channel_max"], cfg["mapping_layers"],
                        cfg.get("architecture", "skip"), cfg["conv_clamp"])
        m.load_state_dict(C.st.load_file(os.path.join(folder, "model.safetensors")))
    elif name == "GPT":
        m = G.from_config(cfg)
        m.load_state_dict(C.st.load_file(os.path.join(folder, "model.safetensors")))
    else:
        m = M.build(cfg)
        m.load_state_dict(C.st.load_file(os.path.join(folder, "model.safetensors")))
    return m.eval(), cfg


def grid(x01, path, nrow=8):
    x = x01.clamp(0, 1).detach().cpu().numpy()
    b, c, h, w = x.shape
    rows = (b + nrow - 1) // nrow
    out = np.ones((rows * (h + 2) + 2, nrow * (w + 2) + 2), dtype=np.float32)
    for i in range(b):
        r, q = divmod(i, nrow)
        out[2 + r * (h + 2):2 + r * (h + 2) + h, 2 + q * (w + 2):2 + q * (w + 2) + w] = x[i, 0]
    Image.fromarray((out * 255).round().astype(np.uint8)).resize((out.shape[1] * 3, out.shape[0] * 3),
                                                                 Image.NEAREST).save(path)
    print("wrote", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(C.ROOT, "models"))
    ap.add_argument("--out", default="/tmp/vkgen-previews")
    ap.add_argument("--ddim-steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    test = C.fashion_mnist("t10k")[0][:8].float().div(255).unsqueeze(1)
    with torch.no_grad():
        for name in sorted(os.listdir(args.models)):
            folder = os.path.join(args.models, name)
            if not os.path.isfile(os.path.join(folder, "config.json")):
                continue
            m, cfg = load(folder)
            cls = cfg["_class_name"]
            png = os.path.join(args.out, name + ".png")
            if cls == "MLPVAE":
                grid(m.decode(torch.randn(32, cfg["latent_dim"], generator=g)).reshape(-1, 1, 28, 28), png)
            elif cls == "DCGANGenerator":
                grid(m(torch.randn(32, cfg["nz"], 1, 1, generator=g)) / 2 + 0.5, png)
            elif cls == "StyleGAN2Generator":
                grid(m(torch.randn(32, cfg["z_dim"], generator=g)) / 2 + 0.5, png)
            elif cls == "AutoencoderKL":
                rec = m.decode(m.encode(test * 2 - 1)[0]) / 2 + 0.5
                grid(torch.cat([test, rec]), png)
            elif cls == "VQModel":
                rec = m.decode(m.encode(test * 2 - 1)) / 2 + 0.5
                grid(torch.cat([test, rec]), png)
            elif cls == "PixelCNN":
                x = torch.zeros(16, 1, 28, 28)
                for i in range(28):
                    for j in range(28):
                        p = F.softmax(m(x)[:, :, i, j], dim=1)
                        x[:, 0, i, j] = torch.multinomial(p, 1, generator=g)[:, 0].float() / 255
                grid(x, png)
            elif cls == "UNet2DModel":
                sc = json.load(open(os.path.join(folder, "scheduler_config.json")))
                ddim = S.DDIMScheduler({k: v for k, v in sc.items() if k in S.DDIM_DEFAULTS})
                x, _ = S.sample_loop(lambda x, t: m(x, t), ddim, torch.randn(16, 1, 28, 28, generator=g),
                                     args.ddim_steps)
                grid(x / 2 + 0.5, png)


if __name__ == "__main__":
    main()
