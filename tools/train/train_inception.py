#!/usr/bin/python3
"""Narrow FID Inception (pytorch-fid topology) as a Fashion-MNIST classifier -> models/inception-fashion/.

Model = tools/ref/models_small.py FIDInceptionV3: pytorch-fid's FID Inception (torchvision key names) with
every width divided by --width-divisor (16: pool features 128), fc -> 10 classes. Its forward is the FID
path: images in [0, 1] -> bilinear resize to 299x299 (align_corners False) -> 2x - 1 -> network ->
adaptive avg pool (`pool`) -> fc (`logits`). Input: the 28x28 image replicated to 3 channels.
Trained at the size FID feeds (299, --train-size 299, the default) so the features vkgen computes are the
ones the classifier learned; a smaller --train-size (>= 75) trains faster but the 299 features then differ
from what was trained (the network is fully convolutional up to the pool), and the test accuracy printed
is always measured at 299. --pretrain-epochs E runs E epochs at --pretrain-size (96) first, ~9x cheaper
per step, then --epochs at --train-size: most of the learning happens cheaply and the last stage adapts
the network to the 299 features. Adam, cross-entropy, BatchNorm (eps 1e-3) in train mode while training; at the
end the BatchNorm running statistics are recomputed over 512 training images (precise BN).
Test number: accuracy on the test set at 299 (eval BN).
Golden file (float64 reference): images [2,3,28,28] (test images 0, 1 replicated, [0, 1]) -> pool [2,P],
logits [2,10] (fc with bias), logits_unbiased = pool @ fc.weight^T; the network runs at 299 after the resize.
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import models_small as M  # noqa: E402


def rgb(x_u8):
    return x_u8.float().div(255).unsqueeze(1).expand(-1, 3, -1, -1).contiguous()


def evaluate(model, xte, yte, bs=100):
    model.eval()
    model.resize = True
    correct = 0
    with torch.no_grad():
        for i in range(0, len(xte), bs):
            _, logits = model(rgb(xte[i:i + bs]))
            correct += (logits.argmax(1) == yte[i:i + bs]).sum().item()
    return correct / len(xte)


def recalibrate_bn(model, xtr, args, n=512, bs=32):
    """Precise BatchNorm: running stats = plain average over n training images at 299 with the final
    weights (the momentum averages lag behind the weights, badly so in short runs)."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    model.resize = True
    g = torch.Generator().manual_seed(args.seed + 3)
    idx = torch.randperm(len(xtr), generator=g)[:n]
    with torch.no_grad():
        for i in range(0, n, bs):
            model(rgb(xtr[idx[i:i + bs]]))
    for m in bns:
        m.momentum = 0.1


def main():
    ap = C.parser(__doc__.splitlines()[1], 0.3, "inception-fashion", 32, 1e-3)
    ap.add_argument("--width-divisor", type=int, default=16)
    ap.add_argument("--train-size", type=int, default=299,
                    help="input size while training (FID always feeds 299; default %(default)s)")
    ap.add_argument("--pretrain-epochs", type=float, default=3.0,
                    help="epochs at --pretrain-size before the --epochs at --train-size (default %(default)s)")
    ap.add_argument("--pretrain-size", type=int, default=96,
                    help="input size of the pretraining stage, >= 75 (default %(default)s)")
    args = ap.parse_args()
    if args.pretrain_size < 75 or args.train_size < 75:
        ap.error("--train-size and --pretrain-size must be at least 75 (the Inception's smallest input)")
    C.setup(args)
    config = {"_class_name": "FIDInceptionV3", "width_divisor": args.width_divisor, "num_classes": 10,
              "resize": True}
    xtr, ytr = C.fashion_mnist("train")
    xte, yte = C.fashion_mnist("t10k")
    xte, yte = xte[:args.test_limit], yte[:args.test_limit]
    model = M.FIDInceptionV3(config)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    # Stage 1 (optional): cheap pretraining at a small size; stage 2: --epochs at --train-size, the
    # size the features are computed at, so the network ends adapted to it.
    pre_steps = C.num_steps(args, len(xtr), args.pretrain_epochs) if args.pretrain_epochs > 0 else 0
    steps = pre_steps + C.num_steps(args)
    log = C.Log(steps)
    model.train()
    model.resize = False
    ts = args.train_size
    correct = seen = 0
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        size = args.pretrain_size if i < pre_steps else ts
        x = F.interpolate(rgb(xtr[idx]), size=(size, size), mode="bilinear", align_corners=False)
        _, logits = model(x)
        loss = F.cross_entropy(logits, ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == ytr[idx]).sum().item()
        seen += len(idx)
        log.step(i, loss=loss.item(), train_acc=correct / seen)
        if log.history and log.history[-1]["step"] == i + 1:
            correct = seen = 0
    recalibrate_bn(model, xtr, args)
    train_s = log.elapsed()
    t0 = time.time()
    acc = evaluate(model, xte, yte)
    test = {"images": len(xte), "accuracy": round(acc, 4), "input": "299x299 (bilinear from 28x28, 3 channels)",
            "eval_seconds": round(time.time() - t0, 1)}
    print("train %.1f s; test %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), config)
    C.save_state(model, os.path.join(args.out, "model.safetensors"))
    images = rgb(C.fashion_mnist("t10k")[0][:2])
    m64 = model.double()
    with torch.no_grad():
        pool, logits = m64(images.double())
        unb = pool @ m64.fc.weight.t()
    C.st.save_file({"images": images, "pool": C.f32(pool), "logits": C.f32(logits),
                    "logits_unbiased": C.f32(unb)}, os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="FIDInceptionV3 features: images = test images 0, 1 replicated to 3 "
                                      "channels in [0,1]; resized to 299 inside", labels=yte[:2].tolist()
                                 if len(yte) >= 2 else []))
    C.train_info(args, "train_inception.py", train_s, steps, test, log.history,
                 {"width_divisor": args.width_divisor, "train_size": ts, "pretrain_steps": pre_steps,
                  "pretrain_size": args.pretrain_size if pre_steps else None})
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
