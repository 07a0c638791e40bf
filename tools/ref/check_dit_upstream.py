#!/usr/bin/python3
"""Check dit_ref.py (and the learned_range DDPM step of schedulers.py) against the real diffusers source.

    /usr/bin/python3 tools/ref/check_dit_upstream.py /path/to/diffusers/src

Runs diffusers' DiTTransformer2DModel (models/transformers/dit_transformer_2d.py with attention.py,
normalization.py, embeddings.py, attention_processor.py) through check_upstream.py's stub loader, with our
weights loaded into it: state_dict keys and shapes, forward in float64 (the fixture config and a
non-square latent), the guided eps of DiTPipeline, and DDPMScheduler learned_range steps. Exits 1 on any
mismatch.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_upstream as CU  # noqa: E402

CU.REAL |= {"diffusers.models.transformers.dit_transformer_2d", "diffusers.models.attention",
            "diffusers.models.normalization", "diffusers.models.attention_processor",
            "diffusers.models.embeddings", "diffusers.models.activations"}


def main():
    sys.meta_path.insert(0, CU._Finder(sys.argv[1]))
    torch.set_num_threads(1)
    import diffusers.utils.torch_utils as TU
    TU.maybe_adjust_dtype_for_device = lambda dtype, device: dtype  # CPU: float64 as diffusers uses it
    import dit_ref as R
    import make_dit_fixtures as MF
    import schedulers as S
    from diffusers.models.transformers.dit_transformer_2d import DiTTransformer2DModel
    from diffusers.schedulers.scheduling_ddpm import DDPMScheduler
    bad = 0

    def cmp(tag, a, b, tol):
        nonlocal bad
        e = (a - b).abs().max().item()
        ok = e <= tol * max(1.0, b.abs().max().item())
        bad += not ok
        print("%-4s %-48s max|diff| %.3g" % ("ok" if ok else "FAIL", tag, e))

    for tag, cfg in [("dit_tiny", MF.DIT_TINY), ("dit_4layers", dict(MF.DIT_TINY, num_layers=4, patch_size=1))]:
        torch.manual_seed(0)
        ours = R.DiTTransformer2DModel(cfg)
        MF.randomize(ours)
        kw = {k: v for k, v in R.full_config(cfg).items() if not k.startswith("_")}
        theirs = DiTTransformer2DModel(**kw)
        sa = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
        sb = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        if sa != sb:
            bad += 1
            print("FAIL %s keys: only ours %s only theirs %s" % (tag, sorted(set(sa) - set(sb))[:8],
                                                                  sorted(set(sb) - set(sa))[:8]))
            continue
        print("ok   %-48s %d keys" % (tag + " state_dict", len(sa)))
        theirs.load_state_dict(ours.state_dict())
        ours.double().eval()
        theirs.double().eval()
        n = cfg["sample_size"]
        x = torch.randn(3, cfg["in_channels"], n, n, dtype=torch.float64)
        lab = torch.tensor([0, 6, 7])
        with torch.no_grad():
            for t in (torch.tensor([999, 3, 500]), torch.tensor([250] * 3)):
                cmp("%s forward t=%s" % (tag, t.tolist()), ours(x, t, lab),
                    theirs(x, timestep=t, class_labels=lab, return_dict=False)[0], 1e-6)
    # the 2-D sin-cos table for grids other than the config's (diffusers recomputes it in PatchEmbed.forward;
    # its DiT unpatchify assumes square grids, so non-square is checked on the table alone)
    from diffusers.models.embeddings import get_2d_sincos_pos_embed
    for gh, gw, base in [(4, 4, 4), (4, 6, 4), (16, 16, 16), (5, 3, 16)]:
        theirs_pe = get_2d_sincos_pos_embed(24, (gh, gw), base_size=base, output_type="pt").float()
        cmp("pos_embed %dx%d base %d" % (gh, gw, base), R.sincos_2d(24, gh, gw, base), theirs_pe, 0)
    # sanity: a changed weight must show up (the comparison is not vacuous)
    with torch.no_grad():
        theirs.proj_out_2.bias.add_(1e-3)
        e = (ours(x, t, lab) - theirs(x, timestep=t, class_labels=lab, return_dict=False)[0]).abs().max().item()
    bad += not (e > 5e-4)
    print("%-4s %-48s max|diff| %.3g" % ("ok" if e > 5e-4 else "FAIL", "perturbed bias is detected", e))
    # learned_range DDPM step: same eps / variance channels / noise
    g = torch.Generator().manual_seed(0)
    cfg = {"variance_type": "learned_range", "clip_sample": False}
    ours, theirs = S.DDPMScheduler(cfg), DDPMScheduler(**cfg)
    ours.set_timesteps(7)
    theirs.set_timesteps(7)
    x = torch.randn(1, 3, 4, 4, generator=g)
    for t in theirs.timesteps:
        out = torch.randn(1, 6, 4, 4, generator=g)
        n = torch.randn(1, 3, 4, 4, generator=torch.Generator().manual_seed(int(t)))
        a, _ = ours.step(out[:, :3], t, x, noise=n, predicted_variance=out[:, 3:])
        b = theirs.step(out, t, x, generator=torch.Generator().manual_seed(int(t)), return_dict=False)[0]
        cmp("DDPM learned_range t=%d" % int(t), a, b, 1e-6)
        x = b
    print("FAILURES: %d" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
