#!/usr/bin/python3
"""Compare stylegan2_ref.Generator with NVlabs stylegan2-ada-pytorch's own training/networks.py.

    /usr/bin/python3 tools/ref/check_stylegan2_upstream.py SRC [--pkl OUT.pkl]

SRC is a checkout of stylegan2-ada-pytorch (nothing of it is copied here). On CPU its custom ops
fall back to their reference paths. Builds the upstream Generator with the fixture configs, loads
our random weights into it (same state_dict keys and shapes required), and compares mapping output,
truncation and the image (noise_mode const and none) with ours. --pkl also writes a network-snapshot
pickle {'G', 'D', 'G_ema', ...} the way upstream's training loop does (G_ema = our weights), for
testing tools/convert_stylegan2.py (never commit it: it embeds upstream source).
"""
import argparse
import copy
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stylegan2_ref as R  # noqa: E402

CONFIGS = [
    dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3, channel_base=256, channel_max=32,
         mapping_layers=4, conv_clamp=None),
    dict(z_dim=12, c_dim=5, w_dim=20, img_resolution=16, img_channels=1, channel_base=128, channel_max=16,
         mapping_layers=2, conv_clamp=0.5),
]


def upstream(src, cfg):
    sys.path.insert(0, src)
    from training.networks import Generator  # noqa: E402
    return Generator(z_dim=cfg["z_dim"], c_dim=cfg["c_dim"], w_dim=cfg["w_dim"], img_resolution=cfg["img_resolution"],
                     img_channels=cfg["img_channels"], mapping_kwargs=dict(num_layers=cfg["mapping_layers"]),
                     synthesis_kwargs=dict(channel_base=cfg["channel_base"], channel_max=cfg["channel_max"],
                                           num_fp16_res=0, conv_clamp=cfg["conv_clamp"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("--pkl")
    a = ap.parse_args()
    for ci, cfg in enumerate(CONFIGS):
        torch.manual_seed(ci)
        ours = R.randomize(R.Generator(cfg["z_dim"], cfg["c_dim"], cfg["w_dim"], cfg["img_resolution"],
                                       cfg["img_channels"], cfg["channel_base"], cfg["channel_max"],
                                       cfg["mapping_layers"], conv_clamp=cfg["conv_clamp"]), 100 + ci)
        up = upstream(a.src, cfg).eval()
        sd_o, sd_u = ours.state_dict(), up.state_dict()
        assert sorted(sd_o) == sorted(sd_u), set(sd_o) ^ set(sd_u)
        for k in sd_o:
            assert sd_o[k].shape == sd_u[k].shape, (k, sd_o[k].shape, sd_u[k].shape)
        up.load_state_dict(sd_o)
        z = torch.randn(3, cfg["z_dim"])
        c = torch.nn.functional.one_hot(torch.tensor([0, 2, 4]) % max(cfg["c_dim"], 1), max(cfg["c_dim"], 1)).float() \
            if cfg["c_dim"] else None
        o64 = copy.deepcopy(ours).double()
        z64, c64 = z.double(), c.double() if c is not None else None
        for psi, cut in [(1.0, None), (0.7, None), (0.5, 3)]:
            with torch.no_grad():
                ws_u = up.mapping(z, c, truncation_psi=psi, truncation_cutoff=cut)
                _, ws_o = o64.mapping(z64, c64, psi, cut)
                d_ws = (ws_u.double() - ws_o).abs().max().item()
                for mode in ["const", "none"]:
                    img_u = up.synthesis(ws_u, noise_mode=mode).double()
                    img_o = o64.synthesis(ws_u.double(), mode)
                    img_of = ours.synthesis(ws_u, mode).double()
                    rel = ((img_u - img_o).abs().max() / img_o.abs().max()).item()
                    rel32 = ((img_of - img_o).abs().max() / img_o.abs().max()).item()
                    print(f"config {ci} psi {psi} cutoff {cut} noise {mode}: ws max abs diff {d_ws:.2e}, "
                          f"image max diff / max |image| upstream-f32 vs ours-f64 {rel:.2e} (ours-f32 {rel32:.2e})")
        if a.pkl and ci == 0:
            snap = dict(G=up, D=None, G_ema=copy.deepcopy(up).requires_grad_(False), augment_pipe=None,
                        training_set_kwargs=None)
            with open(a.pkl, "wb") as f:
                pickle.dump(snap, f)
            torch.save(sd_o, a.pkl + ".state_dict.pt")
            print("wrote", a.pkl)
    print("state_dict keys and shapes identical for", len(CONFIGS), "configs")


if __name__ == "__main__":
    main()
