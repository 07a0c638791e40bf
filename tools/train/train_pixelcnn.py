#!/usr/bin/python3
"""PixelCNN (jzbontar/pixelcnn-pytorch) on Fashion-MNIST at 28x28, 256 levels -> models/pixelcnn-fashion/.

Network = tools/ref/models_small.py PixelCNN: MaskedConv2d 'A' then (layers-1) x 'B', each + BatchNorm + ReLU,
final 1x1 conv to 256 logits; input = pixel / 255, target = the pixel value (cross-entropy), Adam as the
original (the final conv's bias starts at the log marginal of the pixel values). Small: 5 layers, 32 feature maps, kernel 7. Test number: NLL in bits/dim on the test set (eval BN).
Golden file (float64 reference): pixels U8 [2,1,28,28] (test images 0, 1), x = pixels / 255 ->
logprob [2,1,28,28] (log-softmax of the logits at the true pixel value), nll_bits_per_dim [2],
logits_rows [2,256,4,28] = logits[:, :, 12:16, :] (full logits would be 1.6 MB).
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import models_small as M  # noqa: E402

CONFIG = {"_class_name": "PixelCNN", "fm": 32, "layers": 5, "kernel_size": 7, "in_channels": 1, "levels": 256}


def main():
    args = C.parser(__doc__.splitlines()[1], 3, "pixelcnn-fashion", 64, 1e-3).parse_args()
    C.setup(args)
    xtr, _ = C.fashion_mnist("train")
    xte, _ = C.fashion_mnist("t10k")
    xtr = xtr.unsqueeze(1)
    xte = xte[:args.test_limit].unsqueeze(1)
    model = M.PixelCNN(CONFIG)
    with torch.no_grad():  # start the output from the pixel-value marginal (saves the first few hundred steps)
        hist = torch.bincount(xtr[:5000].flatten().long(), minlength=256).float() + 1
        model[-1].bias.copy_((hist / hist.sum()).log())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = C.num_steps(args)
    log = C.Log(steps)
    model.train()
    for i, idx in enumerate(C.batches(len(xtr), args.batch_size, steps, args.seed + 1)):
        pix = xtr[idx]
        logits = model(pix.float() / 255)
        loss = F.cross_entropy(logits, pix[:, 0].long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.step(i, loss_bits_per_dim=loss.item() / math.log(2))
    train_s = log.elapsed()

    model.eval()
    tot = 0.0
    with torch.no_grad():
        for i in range(0, len(xte), 250):
            pix = xte[i:i + 250]
            tot += F.cross_entropy(model(pix.float() / 255), pix[:, 0].long(), reduction="sum").item()
    test = {"images": len(xte), "nll_bits_per_dim": round(tot / (len(xte) * 784) / math.log(2), 4)}
    print("train %.1f s; test %s" % (train_s, test))

    C.new_folder(args.out)
    C.write_json(os.path.join(args.out, "config.json"), CONFIG)
    sd = C.save_state(model, os.path.join(args.out, "model.safetensors"))
    # keep the reference's convention: stored weights are not pre-masked (a loader must apply N.mask)
    assert "0.mask" in sd
    pix = C.fashion_mnist("t10k")[0][:2].unsqueeze(1).contiguous()
    x = pix.float() / 255
    with torch.no_grad():
        logits = model.double()(x.double())
        lp = F.log_softmax(logits, dim=1).gather(1, pix.long())
        nll = -lp.mean(dim=(1, 2, 3)) / math.log(2)
    C.st.save_file({"pixels": pix, "x": x, "logprob": C.f32(lp), "nll_bits_per_dim": C.f32(nll),
                    "logits_rows": C.f32(logits[:, :, 12:16, :])},
                   os.path.join(args.out, "golden.safetensors"),
                   C.golden_meta(what="PixelCNN logits (eval BatchNorm); x = pixels / 255",
                                 logits_rows="logits[:, :, 12:16, :]"))
    C.train_info(args, "train_pixelcnn.py", train_s, steps, test, log.history)
    C.folder_report(args.out)


if __name__ == "__main__":
    main()
