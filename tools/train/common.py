"""Shared helpers for the tools/train scripts: Fashion-MNIST loading, flags, timing, model folders.

Run every script with Debian's python (`/usr/bin/python3`, it has torch), not the pyenv python3.
Fashion-MNIST is read from the IDX files of Debian's dataset-fashion-mnist with gzip + numpy.
"""
import argparse
import gzip
import json
import math
import os
import shutil
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "ref"))
import st  # noqa: E402  (tools/ref/st.py: safetensors writer)

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(path):
    """IDX file (optionally .gz) -> numpy array (uint8 data, big-endian dims)."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def fashion_mnist(split):
    """split 'train' or 't10k' -> (uint8 images [N, 28, 28] as torch, int64 labels [N])."""
    x = read_idx(os.path.join(DATA_DIR, "%s-images-idx3-ubyte.gz" % split))
    y = read_idx(os.path.join(DATA_DIR, "%s-labels-idx1-ubyte.gz" % split))
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def parser(description, epochs, out, batch_size, lr):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--epochs", type=float, default=epochs,
                    help="passes over the 60k training images; fractions allowed (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default %(default)s)")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", out), help="model folder (default %(default)s)")
    ap.add_argument("--batch-size", type=int, default=batch_size)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-limit", type=int, default=10000,
                    help="evaluate on the first N test images (default: all 10000)")
    return ap


def setup(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)


def num_steps(args, n_train=60000, epochs=None):
    """Batches for `epochs` (default args.epochs) passes over n_train images; at least 1."""
    epochs = args.epochs if epochs is None else epochs
    return max(1, int(math.ceil(epochs * n_train / args.batch_size)))


def batches(n, batch_size, steps, seed):
    """Yields index tensors: shuffled epochs (seeded), `steps` batches in all."""
    g = torch.Generator().manual_seed(seed)
    done = 0
    while True:
        perm = torch.randperm(n, generator=g)
        for i in range(0, n - batch_size + 1, batch_size):
            if done == steps:
                return
            yield perm[i:i + batch_size]
            done += 1


class Log:
    """Prints progress at most every `every` seconds; keeps the loss history for train_info.json."""

    def __init__(self, steps, every=20.0):
        self.steps, self.every, self.t0, self.last = steps, every, time.time(), 0.0
        self.history = []

    def step(self, i, **vals):
        now = time.time()
        if now - self.last >= self.every or i == self.steps - 1:
            self.last = now
            rec = {"step": i + 1}
            rec.update({k: round(float(v), 5) for k, v in vals.items()})
            self.history.append(rec)
            print("step %d/%d  %s  (%.0f s)" % (i + 1, self.steps,
                                                 "  ".join("%s %.4f" % (k, v) for k, v in vals.items()),
                                                 now - self.t0), flush=True)

    def elapsed(self):
        return time.time() - self.t0


def new_folder(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def save_state(model, path, rename=None):
    sd = {k: v.detach().to(torch.float32 if v.is_floating_point() else v.dtype).contiguous().clone()
          for k, v in model.state_dict().items()}
    if rename:
        sd = rename(sd)
    st.save_file(sd, path, metadata={"format": "pt"})
    return sd


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def golden_meta(**kw):
    m = {"generator": "tools/train"}
    for k, v in kw.items():
        m[k] = v if isinstance(v, str) else json.dumps(v)
    return m


def train_info(args, script, train_s, steps, test, history, extra=None):
    info = {
        "script": "tools/train/%s" % script,
        "command": "/usr/bin/python3 tools/train/%s %s" % (script, " ".join(sys.argv[1:])),
        "epochs": args.epochs, "steps": steps, "batch_size": args.batch_size, "lr": args.lr,
        "seed": args.seed, "threads": args.threads, "train_seconds": round(train_s, 1),
        "torch": torch.__version__, "test": test, "loss_history": history,
    }
    if extra:
        info.update(extra)
    write_json(os.path.join(args.out, "train_info.json"), info)
    return info


def folder_report(path):
    total = 0
    for f in sorted(os.listdir(path)):
        n = os.path.getsize(os.path.join(path, f))
        total += n
        print("%9d  %s" % (n, os.path.join(os.path.relpath(path, ROOT), f)))
    print("%9d  total" % total)
