#!/usr/bin/python3
"""DiT sampling throughput on PyTorch CPU: the DiTPipeline loop (tools/ref/dit_ref.py, DDIM, classifier-free
guidance) with the weights of a vkgen DiT pipeline or transformer folder. Latents only (no VAE decode).
Prints images/s (batch / wall time of the whole loop).

    /usr/bin/python3 tools/bench/dit_bench.py MODEL_FOLDER [--batch 16] [--steps 20] [--guidance 3] [--threads 2]

Use /usr/bin/python3 (Debian's python3-torch). tools/bench/dit_bench.sh alternates it with vkgen.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ref"))

import torch  # noqa: E402

import dit_ref as R  # noqa: E402
import schedulers as S  # noqa: E402
import st  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tdir = os.path.join(a.model, "transformer") if os.path.isdir(os.path.join(a.model, "transformer")) else a.model
    with open(os.path.join(tdir, "config.json")) as f:
        cfg = json.load(f)
    m = R.DiTTransformer2DModel(cfg).eval()
    m.load_state_dict(st.load_file(os.path.join(tdir, "diffusion_pytorch_model.safetensors")))
    c = m.config
    n = c["sample_size"]
    x = torch.randn(a.batch, c["in_channels"], n, n, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(a.batch) % c["num_embeds_ada_norm"]
    with torch.no_grad():
        R.dit_sample_loop(m, S.DDIMScheduler({}), x, labels, 1, a.guidance, c["num_embeds_ada_norm"])  # warm-up
        t0 = time.perf_counter()
        R.dit_sample_loop(m, S.DDIMScheduler({}), x, labels, a.steps, a.guidance, c["num_embeds_ada_norm"])
        dt = time.perf_counter() - t0
    print("pytorch DiT %d steps, batch %d, guidance %g: %.2f s, %.3f images/s" %
          (a.steps, a.batch, a.guidance, dt, a.batch / dt))


if __name__ == "__main__":
    main()
