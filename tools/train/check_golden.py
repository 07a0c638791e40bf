#!/usr/bin/python3
"""Reload every models/<name> folder from its files and recompute golden.safetensors in float32.

    /usr/bin/python3 tools/train/check_golden.py [MODELS_DIR]
Prints the max relative error per output (what an f32 implementation of the same math gets); exit 1 if any
exceeds 1e-3. Checks that config.json + weights alone reproduce the goldens.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import gpt_ref as G  # noqa: E402
import preview  # noqa: E402
import schedulers as S  # noqa: E402


def rel(a, b):
    return ((a.float() - b.float()).abs().max() / b.float().abs().max().clamp_min(1e-12)).item()


def run(name, m, cfg, g, folder):
    cls = cfg["_class_name"]
    if cls == "MLPVAE":
        mu, lv = m.encode(g["x"])
        return {"mu": mu, "logvar": lv, "recon": m.decode(mu).reshape(g["recon"].shape),
                "decoded": m.decode(g["z"]).reshape(g["decoded"].shape)}
    if cls == "AutoencoderKL":
        mean, lv = m.encode(g["x"])
        return {"mean": mean, "logvar": lv, "recon": m.decode(mean), "decoded": m.decode(g["z"])}
    if cls == "VQModel":
        lat = m.encode(g["x"])
        q, idx = m.quantize(lat)
        return {"latent": lat, "quantized": q, "indices": idx, "decoded": m.decode_quantized(q)}
    if cls == "DCGANGenerator":
        return {"image": m(g["noise"])}
    if cls == "StyleGAN2Generator":
        return {"image": m(g["z"], noise_mode="const")}
    if cls == "PixelCNN":
        logits = m(g["x"])
        return {"logits_rows": logits[:, :, 12:16, :],
                "logprob": F.log_softmax(logits, 1).gather(1, g["pixels"].long())}
    if cls == "FIDInceptionV3":
        pool, logits = m(g["images"])
        return {"pool": pool, "logits": logits}
    if cls == "UNet2DModel":
        sc = json.load(open(os.path.join(folder, "scheduler_config.json")))
        ddim = S.DDIMScheduler({k: v for k, v in sc.items() if k in S.DDIM_DEFAULTS})
        final, per = S.sample_loop(lambda x, t: m(x, t), ddim, g["noise"], 5)
        return {"noise_pred": m(g["sample"], g["timestep"]), "ddim_samples": per, "ddim_sample": final,
                "ddim_timesteps": ddim.timesteps}
    if cls == "GPT":
        greedy = G.sample_with_past(g["greedy_classes"][:, None], m, g["greedy"].shape[1], greedy=True)
        return {"logits": m(g["tokens"]), "greedy": greedy}
    raise NotImplementedError(cls)


def main():
    torch.set_num_threads(1)
    models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(C.ROOT, "models")
    bad = 0
    for name in sorted(os.listdir(models)):
        folder = os.path.join(models, name)
        if not os.path.isfile(os.path.join(folder, "golden.safetensors")):
            continue
        if not os.path.isfile(os.path.join(folder, "config.json")):
            # a diffusers pipeline folder (model_index.json + subfolders, e.g. dit-fashion): its goldens
            # are checked by the vkgen tests (tests/unit/test_ddpm_dit.c), not here
            print("%-18s (pipeline folder: skipped)" % name)
            continue
        m, cfg = preview.load(folder)
        g = C.st.load_file(os.path.join(folder, "golden.safetensors"))
        with torch.no_grad():
            out = run(name, m, cfg, g, folder)
        for k, v in out.items():
            e = rel(v, g[k])
            flag = "" if e < 1e-3 else "  <-- too large"
            bad += bool(flag)
            print("%-18s %-14s max rel err %.2e%s" % (name, k, e, flag))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
