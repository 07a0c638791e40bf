#!/usr/bin/python3
"""Write the StyleGAN2Generator golden fixtures (tests/fixtures/models/stylegan2_*; committed).

    /usr/bin/python3 tools/ref/make_stylegan2_fixtures.py [--out DIR]

Random weights (float32, seeded), reference in float64 (stylegan2_ref.py), outputs stored as float32.
io.safetensors: `z` [B, z_dim] (+ `c` [B, c_dim] one-hot), `w` [B, w_dim] (mapping output before
broadcast), `ws` [B, num_ws, w_dim] (psi 1), `ws_psi07` (psi 0.7, no cutoff), `ws_psi05_cut3`
(psi 0.5, cutoff 3), `image` (ws, noise_mode const), `image_none` (ws, noise_mode none),
`image_psi07` (ws_psi07, const). Images NCHW; metadata gives the parameters.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
import stylegan2_ref as R  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

MODELS = {
    "stylegan2_tiny": dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3, channel_base=256,
                           channel_max=32, mapping_layers=4, conv_clamp=None),
    "stylegan2_cond": dict(z_dim=12, c_dim=5, w_dim=20, img_resolution=16, img_channels=1, channel_base=128,
                           channel_max=16, mapping_layers=2, conv_clamp=0.5),
}


def config_json(cfg, num_ws):
    """config.json: the Generator's init kwargs flattened (as convert_stylegan2.py writes them)."""
    return {"_class_name": "StyleGAN2Generator", "z_dim": cfg["z_dim"], "c_dim": cfg["c_dim"], "w_dim": cfg["w_dim"],
            "img_resolution": cfg["img_resolution"], "img_channels": cfg["img_channels"],
            "channel_base": cfg["channel_base"], "channel_max": cfg["channel_max"], "num_fp16_res": 0,
            "conv_clamp": cfg["conv_clamp"], "architecture": "skip", "mapping_layers": cfg["mapping_layers"],
            "num_ws": num_ws}


def make(out, name, cfg, seed):
    torch.manual_seed(seed)
    g = R.randomize(R.Generator(cfg["z_dim"], cfg["c_dim"], cfg["w_dim"], cfg["img_resolution"], cfg["img_channels"],
                                cfg["channel_base"], cfg["channel_max"], cfg["mapping_layers"],
                                conv_clamp=cfg["conv_clamp"]), seed + 1)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    sd = {k: v.detach().float().contiguous() for k, v in g.state_dict().items()}
    st.save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config_json(cfg, g.num_ws), f, indent=2)
        f.write("\n")
    g64 = g.double()
    b = 3
    z = torch.randn(b, cfg["z_dim"])
    io = {"z": z}
    c64 = None
    if cfg["c_dim"]:
        c = torch.nn.functional.one_hot(torch.tensor([0, 3, 4]), cfg["c_dim"]).float()
        io["c"] = c
        c64 = c.double()
    with torch.no_grad():
        w, ws = g64.mapping(z.double(), c64)
        _, ws07 = g64.mapping(z.double(), c64, 0.7)
        _, ws05 = g64.mapping(z.double(), c64, 0.5, 3)
        io.update(w=w, ws=ws, ws_psi07=ws07, ws_psi05_cut3=ws05,
                  image=g64.synthesis(ws, "const"), image_none=g64.synthesis(ws, "none"),
                  image_psi07=g64.synthesis(ws07, "const"))
    io = {k: v.float().contiguous() for k, v in io.items()}
    st.save_file(io, os.path.join(d, "io.safetensors"),
                 metadata={"what": "StyleGAN2Generator golden outputs (float64 reference)",
                           "ws_psi07": "truncation_psi 0.7", "ws_psi05_cut3": "truncation_psi 0.5, cutoff 3",
                           "image": "synthesis(ws), noise_mode const", "image_none": "noise_mode none",
                           "image_psi07": "synthesis(ws_psi07), noise_mode const"})
    print(name, "num_ws", g.num_ws, "params", sum(v.numel() for v in sd.values()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "models"))
    a = ap.parse_args()
    for i, (name, cfg) in enumerate(MODELS.items()):
        make(a.out, name, cfg, 1500 + i)


if __name__ == "__main__":
    main()
