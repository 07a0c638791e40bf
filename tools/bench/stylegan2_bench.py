#!/usr/bin/python3
"""StyleGAN2 generator throughput: vkgen (gan.generate) vs PyTorch CPU, same weights, same run.

    /usr/bin/python3 tools/bench/stylegan2_bench.py [--res 64] [--channel-base 8192] [--channel-max 256]
        [--z-dim 256] [--w-dim 256] [--batch 8] [--batches 4] [--threads 2] [--iters 3]
        [--upstream SRC] [--out build/bench/stylegan2]

Builds a random-weight StyleGAN2 generator (tools/ref/stylegan2_ref.py; config F layout at a smaller size),
writes it as a vkgen model folder, then times
  - PyTorch float32 G(z) (mapping + synthesis, noise_mode const, psi 1) with torch.set_num_threads(threads):
    our reference, and with --upstream SRC also stylegan2-ada-pytorch's own Generator (fused modulated
    conv as it runs at inference), loaded with the same state_dict;
  - vkgen: `vkgen run` of a graph core.randn -> gan.generate over `batches` batches (wall_ms of the
    --report, so weight upload and the first batch are included; one untimed run first warms Mesa's
    shader cache).
Each figure is the median of `iters` runs; prints images/s and the load average.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "ref"))

import torch  # noqa: E402

import make_stylegan2_fixtures as F  # noqa: E402
import st  # noqa: E402
import stylegan2_ref as R  # noqa: E402


def torch_ips(fn, batch, iters):
    with torch.no_grad():
        fn()  # warm-up
        times = []
        for _ in range(iters):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return batch / statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--res", type=int, default=64)
    ap.add_argument("--channel-base", type=int, default=8192)
    ap.add_argument("--channel-max", type=int, default=256)
    ap.add_argument("--z-dim", type=int, default=256)
    ap.add_argument("--w-dim", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--batches", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--upstream", help="stylegan2-ada-pytorch checkout (optional)")
    ap.add_argument("--vkgen", default=os.path.join(ROOT, "build", "bin", "vkgen"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "stylegan2"))
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    cfg = dict(z_dim=a.z_dim, c_dim=0, w_dim=a.w_dim, img_resolution=a.res, img_channels=3,
               channel_base=a.channel_base, channel_max=a.channel_max, mapping_layers=8, conv_clamp=256)
    g = R.randomize(R.Generator(cfg["z_dim"], 0, cfg["w_dim"], a.res, 3, a.channel_base, a.channel_max, 8,
                                conv_clamp=256), 1).eval()
    model = os.path.join(a.out, "model")
    os.makedirs(model, exist_ok=True)
    st.save_file({k: v.float().contiguous() for k, v in g.state_dict().items()}, os.path.join(model, "model.safetensors"))
    with open(os.path.join(model, "config.json"), "w") as f:
        json.dump(F.config_json(cfg, g.num_ws), f, indent=2)
    nparams = sum(p.numel() for p in g.state_dict().values())
    z = torch.randn(a.batch, a.z_dim)
    print("StyleGAN2 %dx%d, channel_base %d, channel_max %d, z/w %d/%d, %d parameters, batch %d, %d threads"
          % (a.res, a.res, a.channel_base, a.channel_max, a.z_dim, a.w_dim, nparams, a.batch, a.threads))
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    res = {"torch_ref": torch_ips(lambda: g(z, None, 1.0, None, "const"), a.batch, a.iters)}
    if a.upstream:
        sys.path.insert(0, a.upstream)
        from training.networks import Generator  # noqa: E402
        up = Generator(z_dim=a.z_dim, c_dim=0, w_dim=a.w_dim, img_resolution=a.res, img_channels=3,
                       mapping_kwargs=dict(num_layers=8),
                       synthesis_kwargs=dict(channel_base=a.channel_base, channel_max=a.channel_max, num_fp16_res=0,
                                             conv_clamp=256)).eval()
        up.load_state_dict(g.state_dict())
        res["torch_upstream"] = torch_ips(lambda: up(z, None, noise_mode="const"), a.batch, a.iters)
    graph = os.path.join(a.out, "bench.yaml")
    with open(graph, "w") as f:
        f.write("vkgen: 1\nname: stylegan2-bench\nbatches: %d\nnodes:\n"
                "  z: {op: core.randn, params: {shape: [%d, %d], seed: 0}}\n"
                "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n"
                % (a.batches, a.batch, a.z_dim, model))
    report = os.path.join(a.out, "report.json")
    walls = []
    for i in range(a.iters + 1):
        subprocess.run([a.vkgen, "run", "--quiet", graph, "--report", report], check=True)
        if i:
            walls.append(json.load(open(report))["wall_ms"] / 1000.0)
    res["vkgen"] = a.batch * a.batches / statistics.median(walls)
    for k, v in res.items():
        print("%-15s %8.2f images/s" % (k, v))
    print("vkgen / torch_ref %.2fx%s" % (res["vkgen"] / res["torch_ref"], "; vkgen / torch_upstream %.2fx" % (
        res["vkgen"] / res["torch_upstream"]) if "torch_upstream" in res else ""))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
