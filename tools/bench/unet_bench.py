#!/usr/bin/python3
"""UNet2DModel forward throughput on PyTorch CPU, and a random-weight model folder for vkgen.

    /usr/bin/python3 tools/bench/unet_bench.py [--config tools/ref/configs/ddpm-cifar10-32.json]
        [--out build/bench/ddpm-cifar10-32-random] [--batch 16] [--threads 2] [--iters 3]

Builds tools/ref/diffusers_ref.UNet2DModel from the config with random (seeded) weights,
writes it as a diffusers model folder (config.json + diffusion_pytorch_model.safetensors +
the cifar10 scheduler_config.json) that vkgen loads (`vkgen_ddpm_bench FOLDER`), and times
float32 forward passes with torch.set_num_threads(threads). Prints images/s.
Use /usr/bin/python3 (Debian's python3-torch), not the pyenv python3 on PATH.
"""
import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "ref"))

import torch  # noqa: E402

import diffusers_ref as D  # noqa: E402
import st  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=os.path.join(ROOT, "tools/ref/configs/ddpm-cifar10-32.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build/bench/ddpm-cifar10-32-random"))
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="do not write the model folder")
    a = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    with open(a.config) as f:
        cfg = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    model = D.UNet2DModel(cfg).eval()
    nparams = sum(p.numel() for p in model.parameters())
    if not a.no_write:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "config.json"), "w") as f:
            json.dump(D.full_config("UNet2DModel", cfg), f, indent=2)
        st.save_file(model.state_dict(), os.path.join(a.out, "diffusion_pytorch_model.safetensors"))
        sched = os.path.join(ROOT, "tools/ref/configs/ddpm-cifar10-32-scheduler.json")
        shutil.copy(sched, os.path.join(a.out, "scheduler_config.json"))
        print("wrote %s (%d parameters)" % (a.out, nparams))

    size = cfg.get("sample_size", 32)
    x = torch.randn(a.batch, cfg.get("in_channels", 3), size, size)
    t = torch.full((a.batch,), 500, dtype=torch.long)
    with torch.no_grad():
        model(x, t)  # warm-up
        best = float("inf")
        for _ in range(a.iters):
            t0 = time.perf_counter()
            model(x, t)
            best = min(best, time.perf_counter() - t0)
    print("pytorch cpu: batch %d, %d threads: %.3f s per forward, %.2f images/s (torch %s)"
          % (a.batch, a.threads, best, a.batch / best, torch.__version__))


if __name__ == "__main__":
    main()
