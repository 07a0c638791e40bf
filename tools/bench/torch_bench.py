#!/usr/bin/python3
"""Times the shapes of `vkgen bench` in PyTorch on the CPU (2 threads), for docs/benchmarks.md.

Run with Debian's torch: /usr/bin/python3 tools/bench/torch_bench.py [--quick]
"""
import argparse
import time

import torch
import torch.nn.functional as F

# (name, kind, B, Cin, H, W, Cout, K, stride, pad); gemm: M = Cin, N = Cout, K = H
CASES = [
    ("gemm 1024x1024x1024", "gemm", 1, 1024, 1024, 0, 1024, 0, 1, 0),
    ("conv3x3 B16 128->128 32x32", "conv", 16, 128, 32, 32, 128, 3, 1, 1),
    ("conv3x3 B8 256->256 8x8 (unet)", "conv", 8, 256, 8, 8, 256, 3, 1, 1),
    ("conv3x3 B8 3->128 32x32 (unet in)", "conv", 8, 3, 32, 32, 128, 3, 1, 1),
    ("conv3x3 s2 B8 128->128 32x32", "conv", 8, 128, 32, 32, 128, 3, 2, 1),
    ("conv1x1 B8 256->128 16x16", "conv", 8, 256, 16, 16, 128, 1, 1, 0),
    ("convT4x4 s2 B16 512->256 4->8 (dcgan)", "convt", 16, 512, 4, 4, 256, 4, 2, 1),
]


def make(case):
    name, kind, b, cin, h, w, cout, k, s, p = case
    if kind == "gemm":
        a, bm = torch.randn(cin, h), torch.randn(h, cout)
        return (lambda: a @ bm), 2.0 * cin * cout * h
    x = torch.randn(b, cin, h, w)
    bias = torch.randn(cout)
    if kind == "conv":
        wt = torch.randn(cout, cin, k, k)
        oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        return (lambda: F.conv2d(x, wt, bias, stride=s, padding=p)), 2.0 * b * cout * oh * ow * cin * k * k
    wt = torch.randn(cin, cout, k, k)
    return (lambda: F.conv_transpose2d(x, wt, bias, stride=s, padding=p)), 2.0 * b * cin * h * w * cout * k * k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    budget = 0.3 if args.quick else 1.5
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'case':40s} {'ms':>9s} {'GFLOPS':>8s}")
    with torch.no_grad():
        for case in CASES:
            fn, flops = make(case)
            fn()
            t0 = time.perf_counter()
            fn()
            one = time.perf_counter() - t0
            reps = max(1, min(50, int(budget / max(one, 1e-6))))
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            dt = (time.perf_counter() - t0) / reps
            print(f"{case[0]:40s} {dt * 1e3:9.2f} {flops / dt * 1e-9:8.1f}", flush=True)


if __name__ == "__main__":
    main()
