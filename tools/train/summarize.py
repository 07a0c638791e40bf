#!/usr/bin/python3
"""Markdown table of the model folders' train_info.json (for models/README.md).

    /usr/bin/python3 tools/train/summarize.py [MODELS_DIR]
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "models")
print("| folder | command | steps x batch | train time | test numbers | folder size |")
print("|---|---|---|---|---|---|")
for name in sorted(os.listdir(models)):
    p = os.path.join(models, name, "train_info.json")
    if not os.path.isfile(p):
        continue
    info = json.load(open(p))
    size = sum(os.path.getsize(os.path.join(models, name, f)) for f in os.listdir(os.path.join(models, name)))
    test = ", ".join("%s %s" % (k, v) for k, v in info["test"].items() if k not in ("note",))
    # a run written elsewhere (--out) and copied in: show the command as it applies here
    command = re.sub(r" --out \S+", "", info["command"])
    print("| `%s` | `%s` | %d x %d | %.0f s (%d thread%s) | %s | %.2f MB |" % (
        name, command, info["steps"], info["batch_size"], info["train_seconds"], info["threads"],
        "" if info["threads"] == 1 else "s", test, size / 1e6))
