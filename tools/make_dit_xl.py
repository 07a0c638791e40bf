#!/usr/bin/env python3
"""Write a DiT transformer folder with the full facebook/DiT-XL-2-256 config and random weights (for the
full-size load-and-step test; never committed: ~2.7 GB of float32).

    python3 tools/make_dit_xl.py OUT_DIR [--layers N] [--seed S]

OUT_DIR gets config.json (the published transformer/config.json, _class_name Transformer2DModel) and
diffusion_pytorch_model.safetensors with the diffusers state_dict names (674,834,720 parameters for 28 layers; with the fixed 256 x 1152 sin-cos table, 675,129,632 as in the DiT paper:
the embedder tied across blocks is stored once; --untied writes every block's copy, 749,826,464), written
tensor by tensor so memory stays small. Plain Python (no numpy, no torch): a pool of 2^20 N(0, 0.02) floats
(seeded) is drawn once and every tensor reads it cyclically from its own offset; that is random enough to
load and run a step with finite activations through 28 blocks, and writes 2.7 GB in seconds.
"""
import argparse
import array
import json
import math
import os
import random
import struct
import sys
import zlib

CONFIG = {
    "_class_name": "Transformer2DModel", "_diffusers_version": "0.12.0.dev0",
    "activation_fn": "gelu-approximate", "attention_bias": True, "attention_head_dim": 72, "dropout": 0.0,
    "in_channels": 4, "norm_elementwise_affine": False, "norm_num_groups": 32, "norm_type": "ada_norm_zero",
    "num_attention_heads": 16, "num_embeds_ada_norm": 1000, "num_layers": 28, "out_channels": 8,
    "patch_size": 2, "sample_size": 32, "upcast_attention": False,
}


def tensors(c, tied=True):
    """(name, shape) of the diffusers DiT state_dict, in its order. tied: the timestep / class embedder that
    diffusers' conversion assigns to every block is stored once, under block 0 (as a file saved without
    duplicate tied tensors has it; the original DiT has one embedder)."""
    d = c["num_attention_heads"] * c["attention_head_dim"]
    p, cin, cout, ncls = c["patch_size"], c["in_channels"], c["out_channels"], c["num_embeds_ada_norm"]
    out = [("pos_embed.proj.weight", (d, cin, p, p)), ("pos_embed.proj.bias", (d,))]
    for i in range(c["num_layers"]):
        b = "transformer_blocks.%d." % i
        if i == 0 or not tied:
            out += [(b + "norm1.emb.timestep_embedder.linear_1.weight", (d, 256)),
                    (b + "norm1.emb.timestep_embedder.linear_1.bias", (d,)),
                    (b + "norm1.emb.timestep_embedder.linear_2.weight", (d, d)),
                    (b + "norm1.emb.timestep_embedder.linear_2.bias", (d,)),
                    (b + "norm1.emb.class_embedder.embedding_table.weight", (ncls + 1, d))]
        out += [(b + "norm1.linear.weight", (6 * d, d)), (b + "norm1.linear.bias", (6 * d,))]
        for n in ("to_q", "to_k", "to_v", "to_out.0"):
            out += [(b + "attn1.%s.weight" % n, (d, d)), (b + "attn1.%s.bias" % n, (d,))]
        out += [(b + "ff.net.0.proj.weight", (4 * d, d)), (b + "ff.net.0.proj.bias", (4 * d,)),
                (b + "ff.net.2.weight", (d, 4 * d)), (b + "ff.net.2.bias", (d,))]
    out += [("proj_out_1.weight", (2 * d, d)), ("proj_out_1.bias", (2 * d,)),
            ("proj_out_2.weight", (p * p * cout, d)), ("proj_out_2.bias", (p * p * cout,))]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=28)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--untied", action="store_true", help="every block's embedder stored (749,826,464 parameters)")
    a = ap.parse_args()
    cfg = dict(CONFIG, num_layers=a.layers)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    ts = tensors(cfg, tied=not a.untied)
    header, off = {"__metadata__": {"format": "pt", "generator": "tools/make_dit_xl.py"}}, 0
    for name, shape in ts:
        n = math.prod(shape) * 4
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    rng = random.Random(a.seed)
    pool = array.array("f", (rng.gauss(0.0, 0.02) for _ in range(1 << 20)))
    if sys.byteorder != "little":
        pool.byteswap()
    pool = pool.tobytes() * 2  # a window of up to 2^20 floats starting anywhere in the first copy
    path = os.path.join(a.out, "diffusion_pytorch_model.safetensors")
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name, shape in ts:
            left, pos = math.prod(shape) * 4, (zlib.crc32(name.encode()) % (1 << 20)) * 4
            while left > 0:
                k = min(left, 4 << 20)
                f.write(pool[pos:pos + k])
                left -= k
                pos = (pos + 4 * 7919) % (4 << 20)
    os.replace(path + ".tmp", path)
    print("make_dit_xl: %d tensors, %d parameters, %.2f GB -> %s" % (len(ts), off // 4, off / 1e9, path))


if __name__ == "__main__":
    main()
