#!/usr/bin/python3
"""Small diffusers VQModel on Fashion-MNIST (28x28, 1 channel) -> models/vqvae-fashion/.

Model = tools/ref/diffusers_ref.py VQModel (diffusers key names): block_out_channels [32, 64],
2 x DownEncoderBlock2D / UpDecoderBlock2D, layers_per_block 1, 16 groups, latent_channels 4,
vq_embed_dim 4, 64 codes: x [B,1,28,28] in [-1, 1] -> latents [B,4,14,14] -> indices [B,14,14].
Training as diffusers' VectorQuantizer (legacy): loss = MSE(x_rec, x) + ||sg(z) - e||^2 + 0.25 ||z - sg(e)||^2,
straight-through gradient; the codebook starts from encoder outputs and codes unused for 100 steps are
re-seeded from random current latents (keeps the codebook in use; not part of the model).
Test numbers: reconstruction MSE (decode(latents), [0, 1] scale), codebook usage (codes used on the test
set) and perplexity of the code histogram.
Golden file (float64 reference): x [4,1,28,28] (test images 0..3, in [-1, 1]) -> latent [4,4,14,14] (after
quant_conv), quantized [4,4,14,14], indices I64 [4,14,14], decoded [4,1,28,28] (= diffusers decode(latent)).
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import diffusers_ref as D  # noqa: E402

BETA = 0.25
CONFIG = {"in_channels": 1, "out_channels": 1, "block_out_channels": [32, 64],
          "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
          "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 1,
          "latent_channels": 4, "vq_embed_dim": 4, "num_vq_embeddings": 64, "norm_num_groups": 16,
          "sample_size": 28, "act_fn": "silu"}


def to_pm1(x_u8):
    return x_u8.float().div(127.5).sub(1).unsqueeze(1)


def flat(z):
    return z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])


def main():
    args = C.parser(__doc__.splitlines()[1], 3, "vqvae-fashion", 64, 1e-3).parse_args()
    C.setup(args)
    xtr, _ = C.fashion_mnist("train")
    xte, _ = C.fashion_mnist("t10k")
    xtr, xte = to_pm1(xtr), to_pm1(xte[:args.test_limit])
    model = D.VQModel(CONFIG)
    n_codes = CONFIG["num_vq_embeddings"]
    emb = model.quantize.embedding.weight
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = C.num_steps(args)
    log = C.Log(steps)
    last_used = torch.zeros(n_codes, dtype=torch.long)
    g = torch.Generator().manual_seed(args.seed + 2)
    model.train()
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        x = xtr[idx]
        z = model.encode(x)
        zf = flat(z)
        if i == 0 or (i % 100 == 0):
            dead = (i - last_used >= 100).nonzero().flatten() if i else torch.arange(n_codes)
            if len(dead):
                with torch.no_grad():
                    pick = torch.randint(0, zf.shape[0], (len(dead),), generator=g)
                    emb[dead] = zf[pick].detach() + 0.01 * torch.randn(len(dead), zf.shape[1], generator=g)
                last_used[dead] = i
        q, ind = model.quantize(z)
        last_used[ind.unique()] = i
        codebook = F.mse_loss(q, z.detach())
        commit = F.mse_loss(z, q.detach())
        q_st = z + (q - z).detach()
        rec = F.mse_loss(model.decode_quantized(q_st), x)
        loss = rec + codebook + BETA * commit
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.step(i, loss=loss.item(), mse=rec.item(), codebook=codebook.item(),
                 codes_in_batch=len(ind.unique()))
    train_s = log.elapsed()

    model.eval()
    mse = 0.0
    counts = torch.zeros(n_codes)
    with torch.no_grad():
        for i in range(0, len(xte), 500):
            x = xte[i:i + 500]
            q, ind = model.quantize(model.encode(x))
            mse += F.mse_loss(model.decode_quantized(q), x, reduction="sum").item()
            counts += torch.bincount(ind.flatten(), minlength=n_codes).float()
    p = counts / counts.sum()
    perplexity = torch.exp(-(p[p > 0] * p[p > 0].log()).sum()).item()
    test = {"images": len(xte), "recon_mse_per_pixel_01": round(mse / (len(xte) * 784) / 4, 6),
            "recon_mse_per_pixel_pm1": round(mse / (len(xte) * 784), 6),
            "codes_used": int((counts > 0).sum()), "codebook_size": n_codes,
            "perplexity": round(perplexity, 2)}
    print("train %.1f s; test %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), D.full_config("VQModel", CONFIG))
    C.save_state(model, os.path.join(args.out, "diffusion_pytorch_model.safetensors"))
    x = to_pm1(C.fashion_mnist("t10k")[0][:4])
    m64 = model.double()
    with torch.no_grad():
        lat = m64.encode(x.double())
        q, ind = m64.quantize(lat)
        dec = m64.decode_quantized(q)
        d = (flat(lat)[:, None, :] - m64.quantize.embedding.weight[None]).pow(2).sum(-1)
        top2 = d.topk(2, dim=1, largest=False).values
        gap = ((top2[:, 1] - top2[:, 0]) / top2[:, 1].clamp_min(1e-30)).min().item()
    C.st.save_file({"x": x, "latent": C.f32(lat), "quantized": C.f32(q), "indices": ind.to(torch.int64),
                    "decoded": C.f32(dec)}, os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="VQModel: x = test images 0..3 in [-1,1]", min_relative_gap=gap))
    C.train_info(args, "train_vqvae.py", train_s, steps, test, log.history, {"commitment_beta": BETA})
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
