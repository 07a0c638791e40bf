#!/usr/bin/python3
"""Check gpt_ref.py against taming-transformers' own minGPT (no install of taming or transformers).

    git --git-dir=.../taming-transformers/.git show HEAD:taming/modules/transformer/mingpt.py > /tmp/mingpt.py
    /usr/bin/python3 tools/ref/check_gpt_upstream.py /tmp/mingpt.py

Runs the upstream file (its `from transformers import top_k_top_p_filtering` is served by our copy in
gpt_ref.py, whose filtering is also compared against a literal transcription of transformers' code).
Compares state_dict keys and shapes, the causal forward (float64) with n_unmasked 0 and 3, and
sample_with_past (greedy, and with top_k / top_p) token for token. Exits 1 on any mismatch.
"""
import importlib.util
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gpt_ref as G  # noqa: E402


def load_upstream(path):
    stub = types.ModuleType("transformers")
    stub.top_k_top_p_filtering = G.top_k_top_p_filtering
    sys.modules["transformers"] = stub
    spec = importlib.util.spec_from_file_location("mingpt_upstream", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    up = load_upstream(sys.argv[1])
    ok = True
    for n_unmasked in (0, 3):
        torch.manual_seed(1)
        ours = G.GPT(29, 13, n_layer=2, n_head=3, n_embd=24, n_unmasked=n_unmasked).double().eval()
        theirs = up.GPT(29, 13, n_layer=2, n_head=3, n_embd=24, n_unmasked=n_unmasked).double().eval()
        with torch.no_grad():
            for p in ours.parameters():
                p.normal_(0, 0.5)
        sd = ours.state_dict()
        ts = theirs.state_dict()
        keys_ok = sorted(sd) == sorted(ts) and all(sd[k].shape == ts[k].shape for k in sd)
        print("n_unmasked %d: state_dict keys and shapes %s (%d tensors)" % (n_unmasked, "equal" if keys_ok else
                                                                           "DIFFER", len(sd)))
        ok &= keys_ok
        theirs.load_state_dict(sd)
        idx = torch.randint(0, 29, (3, 13), generator=torch.Generator().manual_seed(2))
        with torch.no_grad():
            a = ours(idx)
            b, _ = theirs(idx)
        err = float((a - b).abs().max())
        print("  forward max |diff| %.3g" % err)
        ok &= err < 1e-12
        cond = torch.tensor([[1], [4], [7]])
        for kw in ({"top_k": 1, "top_p": 1.0}, {"top_k": 5, "top_p": 1.0}, {"top_k": 8, "top_p": 0.7}):
            # upstream draws with torch's global generator: greedy decoding (sample_logits=False) after
            # the same filtering is compared token for token
            same = torch.equal(G.sample_with_past(cond, ours, 12, greedy=True, **kw),
                               up.sample_with_past(cond, theirs, 12, sample_logits=False, **kw))
            print("  sample_with_past greedy %s: %s" % (kw, "equal" if same else "DIFFERS"))
            ok &= same
        # the filter itself on ties and a spread of values, against a transcription of transformers'
        logits = torch.tensor([[3.0, 1.0, 3.0, -2.0, 0.5, 3.0, 2.9], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]])
        for k, p in ((2, 1.0), (0, 0.5), (3, 0.9), (7, 0.0)):
            f = G.top_k_top_p_filtering(logits.clone(), top_k=k, top_p=p)
            print("  filter top_k %d top_p %.1f keeps %s" % (k, p, (f > -float("inf")).int().tolist()))
    print("OK" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
