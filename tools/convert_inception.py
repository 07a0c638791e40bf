#!/usr/bin/python3
"""Convert pytorch-fid's FID Inception weights to a vkgen model folder.

    /usr/bin/python3 tools/convert_inception.py pt_inception-2015-12-05-6726825d.pth models/fid-inception

The input is the file pytorch-fid downloads (github.com/mseitzer/pytorch-fid/releases, FID_WEIGHTS_URL):
a state_dict of torchvision's Inception3(num_classes=1008, aux_logits=False) with pytorch-fid's blocks, keys
Conv2d_1a_3x3.conv.weight, Conv2d_1a_3x3.bn.running_mean, ..., Mixed_7c.branch_pool.bn.running_var,
fc.weight [1008, 2048], fc.bias [1008]. The output folder holds config.json
({"_class_name": "FIDInceptionV3"}) and model.safetensors with the same names and layouts (float32), which
inception.features loads as they are (BatchNorm is folded into the convs at load).

Uses Debian's python3-torch (/usr/bin/python3) and tools/ref/st.py (no safetensors package needed).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref"))
import st  # noqa: E402

REQUIRED = ["Conv2d_1a_3x3.conv.weight", "Mixed_5b.branch1x1.conv.weight", "Mixed_7c.branch_pool.bn.running_var",
            "fc.weight", "fc.bias"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pth", help="pt_inception-2015-12-05-6726825d.pth (or any state_dict with the same keys)")
    ap.add_argument("out", help="model folder to write")
    args = ap.parse_args()

    sd = torch.load(args.pth, map_location="cpu")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        sys.exit("%s: expected a state_dict, got %s" % (args.pth, type(sd).__name__))
    missing = [k for k in REQUIRED if k not in sd]
    if missing:
        sys.exit("%s: not an FID Inception state_dict (missing %s)" % (args.pth, ", ".join(missing)))
    out = {}
    for k, v in sd.items():
        if k.startswith("AuxLogits."):
            continue  # pytorch-fid builds the network with aux_logits=False
        if not torch.is_tensor(v):
            continue
        out[k] = v.detach().to(torch.float32).contiguous() if v.is_floating_point() else v.detach().contiguous()
    os.makedirs(args.out, exist_ok=True)
    st.save_file(out, os.path.join(args.out, "model.safetensors"),
                 {"source": os.path.basename(args.pth), "converter": "tools/convert_inception.py"})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump({"_class_name": "FIDInceptionV3", "num_classes": int(sd["fc.weight"].shape[0])}, f, indent=2)
        f.write("\n")
    print("%s: %d tensors, fc.weight %s" % (args.out, len(out), tuple(sd["fc.weight"].shape)))


if __name__ == "__main__":
    main()
