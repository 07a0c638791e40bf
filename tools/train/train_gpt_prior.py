#!/usr/bin/python3
"""Class-conditional GPT prior over the VQ-VAE codes of Fashion-MNIST -> models/gpt-prior-fashion/.

Network = tools/ref/gpt_ref.py GPT (minGPT as taming-transformers uses it). The codes are those of
models/vqvae-fashion (its encoder + nearest-code search on x in [-1, 1]: a 14x14 grid of 64 codes per image),
in raster order. As taming's class-conditional Net2NetTransformer (Labelator cond stage), the class label is
the first token (an id of the same 64-entry table) and the 196 codes follow; the network sees the first 196
tokens of [class, codes] and predicts the codes (cross-entropy). AdamW with warmup and cosine decay.
Test number: code NLL in bits per code on the test images.
Golden file (float64 reference): tokens I64 [2, 196] (class + first 195 codes of test images 0 and 1) ->
logits [2, 196, 64]; greedy_classes I64 [n] -> greedy I64 [n, 196] (top_k 1 decoding with the KV cache) for
the classes whose greedy path has no near tie (`--rewrite-golden FOLDER` rewrites only the golden file).
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import diffusers_ref as D  # noqa: E402
import gpt_ref as G  # noqa: E402

VQ = os.path.join(C.ROOT, "models", "vqvae-fashion")


def vq_codes(images_u8, vq):
    """uint8 [N, 28, 28] -> int64 codes [N, 14, 14] (vqvae.encode's indices)."""
    out = []
    with torch.no_grad():
        for i in range(0, len(images_u8), 500):
            x = images_u8[i:i + 500].unsqueeze(1).float() / 127.5 - 1.0
            out.append(vq.quantize.indices(vq.encode(x)))
    return torch.cat(out)


def load_vq():
    with open(os.path.join(VQ, "config.json")) as f:
        cfg = json.load(f)
    vq = D.VQModel(cfg)
    vq.load_state_dict(C.st.load_file(os.path.join(VQ, "diffusion_pytorch_model.safetensors")), strict=True)
    return vq.eval(), cfg


def main():
    ap = C.parser(__doc__.splitlines()[1], 1.0, "gpt-prior-fashion", 64, 1e-3)
    ap.add_argument("--n-layer", type=int, default=3)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=128)
    args = ap.parse_args()
    C.setup(args)
    vq, vq_cfg = load_vq()
    n_codes = vq_cfg["num_vq_embeddings"]
    xtr, ytr = C.fashion_mnist("train")
    xte, yte = C.fashion_mnist("t10k")
    xte, yte = xte[:args.test_limit], yte[:args.test_limit]
    ztr = vq_codes(xtr, vq)
    zte = vq_codes(xte, vq)
    h, w = ztr.shape[1:]
    T = h * w
    print("codes: train %s, test %s, %d of %d codes used" % (tuple(ztr.shape), tuple(zte.shape),
                                                               len(torch.unique(ztr)), n_codes), flush=True)
    n_classes = 10
    vocab = max(n_codes, n_classes)
    model = G.GPT(vocab, T, args.n_layer, args.n_head, args.n_embd)
    seq_tr = torch.cat([ytr[:, None], ztr.reshape(len(ztr), T)], dim=1)  # [N, 1 + T]
    seq_te = torch.cat([yte[:, None], zte.reshape(len(zte), T)], dim=1)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "pos_emb" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "pos_emb" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    steps = C.num_steps(args)
    warm = min(100, steps // 10 + 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(i, steps) / steps)))
    log = C.Log(steps)
    model.train()
    for i, idx in enumerate(C.batches(len(seq_tr), args.batch_size, steps, args.seed + 1)):
        s = seq_tr[idx]
        logits = model(s[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab), s[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        log.step(i, loss_bits_per_code=loss.item() / math.log(2))
    train_s = log.elapsed()

    model.eval()
    tot = 0.0
    with torch.no_grad():
        for i in range(0, len(seq_te), 250):
            s = seq_te[i:i + 250]
            tot += F.cross_entropy(model(s[:, :-1]).reshape(-1, vocab), s[:, 1:].reshape(-1), reduction="sum").item()
    test = {"images": len(seq_te), "nll_bits_per_code": round(tot / (len(seq_te) * T) / math.log(2), 4),
            "codes_used": int(len(torch.unique(ztr))), "codebook_size": n_codes}
    print("train %.1f s; test %s" % (train_s, test), flush=True)

    C.new_folder(args.out)
    cfg = G.config_json(model, n_classes=n_classes, latent_shape=[int(h), int(w)],
                        _comment="class-conditional prior over models/vqvae-fashion codes; first token = class")
    C.write_json(os.path.join(args.out, "config.json"), cfg)
    C.save_state(model, os.path.join(args.out, "model.safetensors"))
    write_golden(model, seq_te, n_classes, os.path.join(args.out, "golden.safetensors"))
    C.train_info(args, "train_gpt_prior.py", train_s, steps, test, log.history)
    C.folder_report(args.out)


def write_golden(model, seq_te, n_classes, path, min_margin=1e-3):
    """Logits of two test sequences, and greedy decoding from the classes whose greedy path keeps a clear
    best logit at every step (min best-minus-second > min_margin: an f32 implementation must be able to
    reproduce the path exactly; a near tie would make "exact indices" depend on rounding)."""
    m64 = G.from_config(model.config).double()
    m64.load_state_dict(model.state_dict())
    m64.eval()
    tokens = seq_te[:2, :-1].contiguous()
    keep, margins = [], []
    with torch.no_grad():
        logits = m64(tokens)
        for c in range(n_classes):
            cls = torch.tensor([c])
            g = G.sample_with_past(cls[:, None], m64, tokens.shape[1], greedy=True)
            full = m64(torch.cat([cls[:, None], g[:, :-1]], dim=1))
            top2 = torch.topk(full, 2, dim=-1)[0]
            margin = float((top2[..., 0] - top2[..., 1]).min())
            margins.append(margin)
            if margin > min_margin:
                keep.append(c)
        classes = torch.tensor(keep, dtype=torch.int64)
        greedy = G.sample_with_past(classes[:, None], m64, tokens.shape[1], greedy=True)
    print("golden: greedy path margins per class %s; kept classes %s" % (["%.2g" % x for x in margins], keep))
    C.st.save_file({"tokens": tokens, "logits": C.f32(logits), "greedy_classes": classes, "greedy": greedy},
                   path, C.golden_meta(what="GPT prior logits (float64 reference) and greedy decoding",
                                       greedy_margins=margins, greedy_min_margin=min_margin))


def rewrite_golden(folder):
    """Rewrites folder/golden.safetensors from the folder's weights (the test sequences are recomputed)."""
    args = argparse.Namespace(test_limit=2)
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    model = G.from_config(cfg)
    model.load_state_dict(C.st.load_file(os.path.join(folder, "model.safetensors")))
    vq, _ = load_vq()
    xte, yte = C.fashion_mnist("t10k")
    zte = vq_codes(xte[:args.test_limit], vq)
    seq_te = torch.cat([yte[:args.test_limit, None], zte.reshape(args.test_limit, -1)], dim=1)
    write_golden(model, seq_te, cfg["n_classes"], os.path.join(folder, "golden.safetensors"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rewrite-golden":
        rewrite_golden(sys.argv[2])
    else:
        main()
