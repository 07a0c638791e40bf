#!/usr/bin/python3
"""FID Inception throughput: vkgen's inception.features vs PyTorch on the CPU (2 threads), same machine.

    /usr/bin/python3 tools/bench/inception_bench.py [--vkgen build/bin/vkgen] [--batch 8] [--batches 3]
                                                    [--width-divisor 1] [--size 299]

Both run the full-width network (tools/ref/models_small.FIDInceptionV3, width_divisor 1: 2048-dim pool,
~23.9M parameters) with the same random weights (seeded), on images already at 299x299 (so no resize) in
float32. PyTorch: torch.set_num_threads(2), eval mode, no_grad; one warm-up batch, then the best of
--batches timed batches. vkgen: the model is written to a temporary model folder; a graph core.randn ->
inception.features runs 1 batch and then 1 + --batches batches, and the difference of wall times gives the
steady-state time (model upload, pipeline compiles and the first batch cancel out; best of two runs each). The outputs of the two
are also compared on one batch. Results go to docs/benchmarks-metrics.md by hand.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ref"))
import models_small  # noqa: E402
import st  # noqa: E402


def bench_torch(model, batch, batches, size):
    x = torch.rand(batch, 3, size, size)
    with torch.no_grad():
        model(x)
        best = float("inf")
        for _ in range(batches):
            t = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t)
    return batch / best


def run_vkgen(vkgen, folder, batch, batches, size, out=None):
    g = os.path.join(folder, "bench-%d.yaml" % batches)
    with open(g, "w") as f:
        f.write("vkgen: 1\nbatches: %d\nnodes:\n" % batches)
        f.write("  x: {op: core.randn, params: {shape: [%d, 3, %d, %d], seed: 1}}\n" % (batch, size, size))
        # randn is N(0, 1); the network takes [0, 1] but for timing the values do not matter
        f.write("  inc: {op: inception.features, inputs: {images: x}, params: {model: %s, resize: false}}\n"
                % os.path.join(folder, "model"))
        if out:
            f.write("  sx: {op: core.save_tensor, inputs: {tensor: x}, params: {path: %s, name: x}}\n" % out)
            f.write("  sp: {op: core.save_tensor, inputs: {tensor: inc.pool}, params: {path: %s, name: pool}}\n"
                    % out)
        else:
            f.write("  s: {op: fid.score, inputs: {real: inc.pool}, params: {save_stats: %s}}\n"
                    % os.path.join(folder, "stats.safetensors"))
    t = time.perf_counter()
    subprocess.run([vkgen, "run", g], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vkgen", default=os.path.join(HERE, "..", "..", "build", "bin", "vkgen"))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--width-divisor", type=int, default=1)
    ap.add_argument("--size", type=int, default=299)
    ap.add_argument("--skip-vkgen", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    cfg = {"_class_name": "FIDInceptionV3", "width_divisor": args.width_divisor, "resize": False}
    model = models_small.FIDInceptionV3(cfg).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics, as a trained network has
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
    res = {"torch_images_per_s": bench_torch(model, args.batch, args.batches, args.size),
           "batch": args.batch, "size": args.size, "width_divisor": args.width_divisor,
           "torch_threads": torch.get_num_threads()}
    if not args.skip_vkgen:
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "model"))
            st.save_file(model.state_dict(), os.path.join(d, "model", "model.safetensors"))
            with open(os.path.join(d, "model", "config.json"), "w") as f:
                json.dump({"_class_name": "FIDInceptionV3"}, f)
            # agreement on one batch
            out = os.path.join(d, "out.safetensors")
            run_vkgen(args.vkgen, d, args.batch, 1, args.size, out)
            t = st.load_file(out)
            with torch.no_grad():
                ref, _ = model.double()(t["x"].double())
                model.float()
            err = ((t["pool"].double() - ref).abs().max() / ref.abs().max()).item()
            # best of two for each, so a stray pipeline compile or a busy moment does not count
            t1 = min(run_vkgen(args.vkgen, d, args.batch, 1, args.size) for _ in range(2))
            tn = min(run_vkgen(args.vkgen, d, args.batch, 1 + args.batches, args.size) for _ in range(2))
            res["vkgen_images_per_s"] = args.batch * args.batches / (tn - t1) if tn > t1 else None
            res["vkgen_run_1_batch_s"] = t1
            res["vkgen_run_%d_batches_s" % (1 + args.batches)] = tn
            res["vkgen_pool_max_err_rel_to_max"] = err
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
