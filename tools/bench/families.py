#!/usr/bin/python3
"""Helpers of tools/bench/families.sh: one model family per call, vkgen graph or PyTorch timing.

    families.py list                         families and their default batch (quick batch after a tab)
    families.py graph FAMILY BATCH MODELS    prints the vkgen graph (YAML) of one batch of FAMILY
    families.py vkgen REPORT.json FAMILY BATCH
                                             images/s from the per-node GPU times of a `vkgen run --report`
    families.py torch FAMILY BATCH MODELS    PyTorch CPU images/s (2 threads, no_grad, eval; one warm-up
                                             call, then one timed call), same weights via tools/ref
    families.py table RESULTS.tsv            the markdown table (median per family) from lines
                                             "family batch vkgen|base|torch images/s"

vkgen time = the sum of `gpu_ms` over the family's compute nodes in the JSON report (GPU timestamps around
each node's commands, so model upload, pipeline compiles and graph loading are not counted; the input
noise nodes and the sinks are not counted either). PyTorch runs the tools/ref definitions on the same
weights (tools/train/preview.load). PixelCNN: PyTorch is the full-forward sampling loop (one network pass
on the whole image per pixel, torch.multinomial draw; the first 4 rows timed and scaled to 28, every pass
costing the same), vkgen is ar.sample (cache mode). img/s x 784 = pixels/s.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "ref"))
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))

# family: (model folder, default batch, quick batch, timed vkgen nodes, what is timed)
FAMILIES = {
    "mlpvae": ("mlpvae-fashion", 64, 16, ["m"], "MLP VAE decode"),
    "vae-kl": ("vae-kl-fashion", 16, 4, ["m"], "KL VAE decode"),
    "vqvae": ("vqvae-fashion", 16, 4, ["dec"], "VQ-VAE decode"),
    "dcgan": ("dcgan-fashion", 64, 16, ["m"], "DCGAN generate"),
    "stylegan2": ("stylegan2-fashion", 16, 4, ["m"], "StyleGAN2 generate"),
    "pixelcnn": ("pixelcnn-fashion", 8, 4, ["m"], "PixelCNN sampling (784 pixels)"),
    "ddpm": ("ddpm-fashion", 8, 2, ["m"], "DDPM UNet, DDIM 5 steps"),
    "dit": ("dit-fashion", 8, 2, ["m"], "DiT, DDIM 5 steps, guidance 3"),
    "inception": ("inception-fashion", 16, 4, ["m"], "Inception features (299x299)"),
}
DDIM_STEPS = 5
PIXELCNN_TORCH_ROWS = 4


def graph(fam, b, models):
    folder = os.path.join(models, FAMILIES[fam][0])
    n = "vkgen: 1\nnodes:\n"
    if fam in ("mlpvae", "vae-kl"):
        extra = ", scale_latents: true" if fam == "vae-kl" else ""
        return n + "  m: {op: vae.sample, params: {model: %s, batch: %d, seed: 1%s}}\n" % (folder, b, extra)
    if fam == "vqvae":
        return n + (
            "  x: {op: core.load_idx, params: {path: /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz,"
            " batch: %d, range: [-1, 1]}}\n"
            "  enc: {op: vqvae.encode, inputs: {x: x.images}, params: {model: %s}}\n"
            "  dec: {op: vqvae.decode, inputs: {quantized: enc.quantized}, params: {model: %s}}\n") % (b, folder, folder)
    if fam == "dcgan":
        return n + ("  z: {op: core.randn, params: {shape: [%d, 32, 1, 1], seed: 1}}\n"
                    "  m: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n") % (b, folder)
    if fam == "stylegan2":
        return n + ("  z: {op: core.randn, params: {shape: [%d, 64], seed: 1}}\n"
                    "  m: {op: gan.generate, inputs: {noise: z}, params: {model: %s, noise_mode: const}}\n") % (b, folder)
    if fam == "pixelcnn":
        return n + "  m: {op: ar.sample, params: {model: %s, batch: %d, size: 28, seed: 1}}\n" % (folder, b)
    if fam == "ddpm":
        return n + ("  z: {op: core.randn, params: {shape: [%d, 1, 28, 28], seed: 1}}\n"
                    "  m: {op: ddpm.sample, inputs: {noise: z}, params: {model: %s, scheduler: ddim, steps: %d,"
                    " eta: 0}}\n") % (b, folder, DDIM_STEPS)
    if fam == "dit":
        return n + ("  z: {op: core.randn, params: {shape: [%d, 4, 14, 14], seed: 1}}\n"
                    "  m: {op: ddpm.sample, inputs: {noise: z}, params: {model: %s, scheduler: ddim, steps: %d,"
                    " guidance_scale: 3, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}}\n") % (b, folder, DDIM_STEPS)
    if fam == "inception":
        return n + ("  x: {op: core.load_idx, params: {path: /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz,"
                    " batch: %d}}\n"
                    "  m: {op: inception.features, inputs: {images: x.images}, params: {model: %s}}\n") % (b, folder)
    raise SystemExit("unknown family " + fam)


def vkgen_ips(report, fam, b):
    r = json.load(open(report))
    ms = sum(v["gpu_ms"] for v in r["nodes"] if v["id"] in FAMILIES[fam][3])
    return b / (ms / 1000.0)


def timed(fn):
    """Seconds per call: one warm-up call, then the median of 3 calls or of what fits in ~2 s (at least 1)."""
    with torch.no_grad():
        fn()  # warm-up
        ts = []
        t0 = time.perf_counter()
        while len(ts) < 3 and (not ts or time.perf_counter() - t0 < 2.0):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        return statistics.median(ts)


def torch_ips(fam, b, models):
    import preview  # tools/train: loads any models/<name> folder into its tools/ref definition
    torch.set_num_threads(2)
    torch.manual_seed(0)
    folder = os.path.join(models, FAMILIES[fam][0])
    if fam == "dit":
        out = subprocess.run([sys.executable, os.path.join(HERE, "dit_bench.py"), folder, "--batch", str(b),
                              "--steps", str(DDIM_STEPS), "--guidance", "3"], check=True, capture_output=True,
                             text=True).stdout
        return float(out.split(" images/s")[0].split()[-1])
    m, cfg = preview.load(folder)
    if fam == "mlpvae":
        z = torch.randn(b, cfg.get("latent_dim", 20))
        fn = lambda: m.decode(z)  # noqa: E731
    elif fam == "vae-kl":
        z = torch.randn(b, cfg["latent_channels"], 14, 14)
        fn = lambda: m.decode(z)  # noqa: E731
    elif fam == "vqvae":
        with torch.no_grad():
            q, _ = m.quantize(m.encode(torch.rand(b, 1, 28, 28) * 2 - 1))
        fn = lambda: m.decode_quantized(q)  # noqa: E731
    elif fam == "dcgan":
        z = torch.randn(b, cfg["nz"], 1, 1)
        fn = lambda: m(z)  # noqa: E731
    elif fam == "stylegan2":
        z = torch.randn(b, cfg["z_dim"])
        fn = lambda: m(z, noise_mode="const")  # noqa: E731
    elif fam == "pixelcnn":
        # Every pass of the loop is a full forward of the same cost, so the first PIXELCNN_TORCH_ROWS rows
        # are timed and scaled to the 784 pixels (the whole loop takes minutes on a loaded machine).
        x = torch.zeros(b, 1, 28, 28)
        with torch.no_grad():
            m(x)  # warm-up
            t = time.perf_counter()
            for r in range(PIXELCNN_TORCH_ROWS):
                for c in range(28):
                    p = torch.softmax(m(x)[:, :, r, c], 1)
                    x[:, 0, r, c] = torch.multinomial(p, 1)[:, 0].float() / 255.0
            dt = (time.perf_counter() - t) * 28 / PIXELCNN_TORCH_ROWS
        return b / dt
    elif fam == "ddpm":
        import schedulers as S
        sc = json.load(open(os.path.join(folder, "scheduler_config.json")))
        ddim = S.DDIMScheduler({k: v for k, v in sc.items() if k in S.DDIM_DEFAULTS})
        x = torch.randn(b, 1, 28, 28)
        fn = lambda: S.sample_loop(lambda xx, t: m(xx, t), ddim, x, DDIM_STEPS)  # noqa: E731
    elif fam == "inception":
        x = torch.rand(b, 1, 28, 28)
        fn = lambda: m(x.repeat(1, 3, 1, 1))  # noqa: E731
    else:
        raise SystemExit("unknown family " + fam)
    return b / timed(fn)


def table(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            rows.setdefault((f[0], int(f[1])), {}).setdefault(f[2], []).append(float(f[3]))
    base = any("base" in v for v in rows.values())
    if base:
        print("| family | batch | vkgen img/s | PyTorch img/s | ratio | baseline img/s | baseline ratio | speedup |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print("| family | batch | vkgen img/s | PyTorch img/s | ratio |")
        print("|---|---:|---:|---:|---:|")
    for (fam, b), v in rows.items():
        vk = statistics.median(v.get("vkgen", [float("nan")]))
        pt = statistics.median(v.get("torch", [float("nan")]))
        line = "| %s (%s) | %d | %.3g | %.3g | %.2f |" % (fam, FAMILIES[fam][4], b, vk, pt, vk / pt)
        if base:
            bs = statistics.median(v.get("base", [float("nan")]))
            line += " %.3g | %.2f | %.2fx |" % (bs, bs / pt, vk / bs)
        print(line)


def main():
    a = sys.argv[1:]
    if not a:
        raise SystemExit(__doc__)
    if a[0] == "list":
        for k, v in FAMILIES.items():
            print("%s\t%d\t%d" % (k, v[1], v[2]))
    elif a[0] == "graph":
        sys.stdout.write(graph(a[1], int(a[2]), a[3]))
    elif a[0] == "vkgen":
        print("%.6g" % vkgen_ips(a[1], a[2], int(a[3])))
    elif a[0] == "torch":
        print("%.6g" % torch_ips(a[1], int(a[2]), a[3]))
    elif a[0] == "table":
        table(a[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
