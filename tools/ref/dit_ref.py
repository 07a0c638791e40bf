"""Plain-PyTorch DiT (diffusers DiTTransformer2DModel / Transformer2DModel with norm_type ada_norm_zero)
and the DiTPipeline sampling loop with classifier-free guidance. Written from the math of
huggingface/diffusers (no code copied):
  models/transformers/dit_transformer_2d.py   DiTTransformer2DModel (patch embed, blocks, proj_out_1/2,
                                               unpatchify "nhwpqc->nchpwq")
  models/attention.py                          BasicTransformerBlock, norm_type ada_norm_zero, FeedForward
  models/normalization.py                      AdaLayerNormZero
  models/embeddings.py                         PatchEmbed, get_2d_sincos_pos_embed, Timesteps,
                                               TimestepEmbedding, LabelEmbedding,
                                               CombinedTimestepLabelEmbeddings
  pipelines/dit/pipeline_dit.py                guidance (batch doubled with the null class)

state_dict keys are diffusers' (pos_embed.proj.weight, transformer_blocks.N.norm1.emb.timestep_embedder.
linear_1.weight, ...norm1.emb.class_embedder.embedding_table.weight, ...norm1.linear.weight,
...attn1.to_q.weight, ...attn1.to_out.0.weight, ...ff.net.0.proj.weight, ...ff.net.2.weight,
proj_out_1.weight, proj_out_2.weight). Dropout holds no parameters and is omitted.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

from diffusers_ref import DIFFUSERS_VERSION, Timesteps, TimestepEmbedding

DIT_DEFAULTS = {
    "num_attention_heads": 16, "attention_head_dim": 72, "in_channels": 4, "out_channels": None,
    "num_layers": 28, "dropout": 0.0, "norm_num_groups": 32, "attention_bias": True, "sample_size": 32,
    "patch_size": 2, "activation_fn": "gelu-approximate", "num_embeds_ada_norm": 1000,
    "upcast_attention": False, "norm_type": "ada_norm_zero", "norm_elementwise_affine": False,
    "norm_eps": 1e-5,
}

# facebook/DiT-XL-2-256 transformer/config.json (published values)
DIT_XL_2_256 = {
    "activation_fn": "gelu-approximate", "attention_bias": True, "attention_head_dim": 72, "dropout": 0.0,
    "in_channels": 4, "norm_elementwise_affine": False, "norm_num_groups": 32, "norm_type": "ada_norm_zero",
    "num_attention_heads": 16, "num_embeds_ada_norm": 1000, "num_layers": 28, "out_channels": 8,
    "patch_size": 2, "sample_size": 32, "upcast_attention": False,
}


def full_config(cfg, class_name="DiTTransformer2DModel"):
    out = {"_class_name": class_name, "_diffusers_version": DIFFUSERS_VERSION}
    d = copy.deepcopy(DIT_DEFAULTS)
    d.update({k: v for k, v in cfg.items() if not k.startswith("_")})
    for k in sorted(d):
        out[k] = d[k]
    return out


def sincos_1d(dim, pos):
    """[M] positions -> [M, dim]: [sin(pos * w), cos(pos * w)], w_i = 10000^(-i / (dim / 2)) (float64)."""
    omega = torch.arange(dim // 2, dtype=torch.float64) / (dim / 2.0)
    omega = 1.0 / 10000 ** omega
    out = torch.outer(pos.reshape(-1).double(), omega)
    return torch.cat([torch.sin(out), torch.cos(out)], dim=1)


def sincos_2d(dim, gh, gw, base_size, interpolation_scale=1.0):
    """PatchEmbed's table for a gh x gw grid: token n = i * gw + j gets [emb(w_j) | emb(h_i)] where the
    coordinates are arange(g) / (g / base_size) / interpolation_scale computed in float32."""
    ph = torch.arange(gh, dtype=torch.float32) / (gh / base_size) / interpolation_scale
    pw = torch.arange(gw, dtype=torch.float32) / (gw / base_size) / interpolation_scale
    h = ph[:, None].expand(gh, gw)
    w = pw[None, :].expand(gh, gw)
    return torch.cat([sincos_1d(dim // 2, w), sincos_1d(dim // 2, h)], dim=1).float()


class PatchEmbed(nn.Module):
    def __init__(self, sample_size, patch, cin, dim):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, patch, stride=patch)
        self.patch = patch
        self.base_size = sample_size // patch

    def forward(self, x):
        gh, gw = x.shape[-2] // self.patch, x.shape[-1] // self.patch
        y = self.proj(x).flatten(2).transpose(1, 2)
        return y + sincos_2d(y.shape[-1], gh, gw, self.base_size).to(y.dtype)


class LabelEmbedding(nn.Module):
    def __init__(self, num_classes, dim, dropout_prob=0.1):
        super().__init__()
        self.embedding_table = nn.Embedding(num_classes + (dropout_prob > 0), dim)

    def forward(self, labels):
        return self.embedding_table(labels)


class CombinedTimestepLabelEmbeddings(nn.Module):
    def __init__(self, num_classes, dim, class_dropout_prob=0.1):
        super().__init__()
        self.time_proj = Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=1)
        self.timestep_embedder = TimestepEmbedding(256, dim)
        self.class_embedder = LabelEmbedding(num_classes, dim, class_dropout_prob)

    def forward(self, t, labels, dtype):
        # diffusers computes the sinusoid in float32 and then casts to the model dtype
        return self.timestep_embedder(self.time_proj(t).to(dtype)) + self.class_embedder(labels)


class AdaLayerNormZero(nn.Module):
    def __init__(self, dim, num_classes, class_dropout_prob=0.1):
        super().__init__()
        self.emb = CombinedTimestepLabelEmbeddings(num_classes, dim, class_dropout_prob)
        self.linear = nn.Linear(dim, 6 * dim)

    def forward(self, x, t, labels):
        e = self.linear(F.silu(self.emb(t, labels, x.dtype)))
        sh_msa, sc_msa, g_msa, sh_mlp, sc_mlp, g_mlp = e.chunk(6, dim=1)
        x = F.layer_norm(x, x.shape[-1:], eps=1e-6) * (1 + sc_msa[:, None]) + sh_msa[:, None]
        return x, g_msa, sh_mlp, sc_mlp, g_mlp


class SelfAttention(nn.Module):
    def __init__(self, dim, heads, head_dim, bias=True):
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.to_q = nn.Linear(dim, inner, bias=bias)
        self.to_k = nn.Linear(dim, inner, bias=bias)
        self.to_v = nn.Linear(dim, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, dim)])

    def forward(self, x):
        b, n, _ = x.shape

        def split(t):
            return t.reshape(b, n, self.heads, -1).transpose(1, 2)

        q, k, v = split(self.to_q(x)), split(self.to_k(x)), split(self.to_v(x))
        p = (q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5).softmax(dim=-1)
        o = (p @ v).transpose(1, 2).reshape(b, n, -1)
        return self.to_out[0](o)


class GELUProj(nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.proj = nn.Linear(din, dout)

    def forward(self, x):
        return F.gelu(self.proj(x), approximate="tanh")


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GELUProj(dim, dim * mult), nn.Identity(), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class DiTBlock(nn.Module):
    """BasicTransformerBlock with norm_type ada_norm_zero (self-attention only, no cross-attention)."""

    def __init__(self, dim, heads, head_dim, num_classes, norm_eps, attention_bias=True):
        super().__init__()
        self.norm1 = AdaLayerNormZero(dim, num_classes)
        self.attn1 = SelfAttention(dim, heads, head_dim, attention_bias)
        self.norm3_eps = norm_eps  # norm3: LayerNorm(dim, norm_eps, elementwise_affine=False)
        self.ff = FeedForward(dim)

    def forward(self, x, t, labels):
        h, g_msa, sh_mlp, sc_mlp, g_mlp = self.norm1(x, t, labels)
        x = g_msa[:, None] * self.attn1(h) + x
        h = F.layer_norm(x, x.shape[-1:], eps=self.norm3_eps) * (1 + sc_mlp[:, None]) + sh_mlp[:, None]
        return g_mlp[:, None] * self.ff(h) + x


class DiTTransformer2DModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = copy.deepcopy(DIT_DEFAULTS)
        c.update({k: v for k, v in config.items() if not k.startswith("_")})
        if c["norm_type"] != "ada_norm_zero" or c["norm_elementwise_affine"]:
            raise NotImplementedError("only ada_norm_zero without affine norms")
        self.config = c
        dim = c["num_attention_heads"] * c["attention_head_dim"]
        self.out_channels = c["out_channels"] or c["in_channels"]
        self.patch = c["patch_size"]
        self.pos_embed = PatchEmbed(c["sample_size"], self.patch, c["in_channels"], dim)
        self.transformer_blocks = nn.ModuleList([
            DiTBlock(dim, c["num_attention_heads"], c["attention_head_dim"], c["num_embeds_ada_norm"], c["norm_eps"],
                     c["attention_bias"]) for _ in range(c["num_layers"])])
        self.proj_out_1 = nn.Linear(dim, 2 * dim)
        self.proj_out_2 = nn.Linear(dim, self.patch * self.patch * self.out_channels)

    def forward(self, x, timestep, class_labels):
        p = self.patch
        gh, gw = x.shape[-2] // p, x.shape[-1] // p
        if timestep.dim() == 0:
            timestep = timestep[None]
        timestep = timestep.expand(x.shape[0])
        h = self.pos_embed(x)
        for blk in self.transformer_blocks:
            h = blk(h, timestep, class_labels)
        cond = self.transformer_blocks[0].norm1.emb(timestep, class_labels, h.dtype)
        shift, scale = self.proj_out_1(F.silu(cond)).chunk(2, dim=1)
        h = F.layer_norm(h, h.shape[-1:], eps=1e-6) * (1 + scale[:, None]) + shift[:, None]
        h = self.proj_out_2(h)
        h = h.reshape(-1, gh, gw, p, p, self.out_channels)
        h = torch.einsum("nhwpqc->nchpwq", h)
        return h.reshape(-1, self.out_channels, gh * p, gw * p)


def guided_eps(model, x, t, labels, guidance_scale, null_class, latent_channels):
    """One DiTPipeline model evaluation: returns (eps [B, C], rest [B, out - C] of the conditional half).
    With guidance_scale > 1 the batch is doubled with the null class and
    eps = uncond + s * (cond - uncond) on the first latent_channels channels only."""
    b = x.shape[0]
    if guidance_scale > 1:
        xin = torch.cat([x, x], 0)
        lab = torch.cat([labels, torch.full_like(labels, null_class)], 0)
    else:
        xin, lab = x, labels
    out = model(xin, torch.as_tensor(t).reshape(1).expand(xin.shape[0]), lab)
    eps, rest = out[:, :latent_channels], out[:, latent_channels:]
    if guidance_scale > 1:
        cond, uncond = eps[:b], eps[b:]
        eps = uncond + guidance_scale * (cond - uncond)
        rest = rest[:b]
    return eps, rest


def dit_sample_loop(model, scheduler, x, labels, steps, guidance_scale, null_class, eta=0.0, noises=None,
                    learned_variance=False):
    """DiTPipeline loop (scale_model_input is the identity for DDPM/DDIM). The scheduler gets the first C
    channels; with learned_variance (DDPM learned_range) the conditional half's remaining C channels are
    its predicted variance. Returns (final latents, per-step latents [steps, ...])."""
    import schedulers as S
    scheduler.set_timesteps(steps)
    c = x.shape[1]
    outs = []
    for i, t in enumerate(scheduler.timesteps):
        eps, rest = guided_eps(model, x, t, labels, guidance_scale, null_class, c)
        n = None if noises is None else noises[i]
        if isinstance(scheduler, S.DDIMScheduler):
            x, _ = scheduler.step(eps, t, x, eta=eta, noise=n)
        else:
            x, _ = scheduler.step(eps, t, x, noise=n, predicted_variance=rest if learned_variance else None)
        outs.append(x)
    return x, torch.stack(outs)
