#!/usr/bin/python3
"""GPT prior sampling throughput on PyTorch CPU: taming-transformers' KV-cache loop (sample_with_past)
with the weights of a vkgen GPT model folder. Prints tokens/s (batch x codes / wall time).

    /usr/bin/python3 tools/bench/gpt_bench.py MODEL_FOLDER [--batch 16] [--threads 2] [--tokens N]

Use /usr/bin/python3 (Debian's python3-torch). tools/bench/gpt_bench.sh alternates it with vkgen.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ref"))

import torch  # noqa: E402

import gpt_ref as G  # noqa: E402
import st  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=0, help="codes per sample (default: latent_shape h*w)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    m = G.from_config(cfg).eval()
    m.load_state_dict(st.load_file(os.path.join(a.model, "model.safetensors")))
    n = a.tokens or cfg["latent_shape"][0] * cfg["latent_shape"][1]
    cond = (torch.arange(a.batch) % max(1, cfg.get("n_classes", 0) or 1))[:, None]
    g = torch.Generator().manual_seed(0)
    G.sample_with_past(cond, m, 2, generator=g)  # warm-up
    t0 = time.perf_counter()
    G.sample_with_past(cond, m, n, generator=g)
    dt = time.perf_counter() - t0
    print("pytorch cpu: batch %d, %d codes, %d threads: %.3f s, %.1f tokens/s (torch %s)"
          % (a.batch, n, a.threads, dt, a.batch * n / dt, torch.__version__))


if __name__ == "__main__":
    main()
