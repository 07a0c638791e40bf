"""Plain-PyTorch reimplementation of the diffusers models vkgen runs (no diffusers needed).

Reference: huggingface/diffusers (main, 2025/2026), files
  src/diffusers/models/unets/unet_2d.py          UNet2DModel
  src/diffusers/models/unets/unet_2d_blocks.py   DownBlock2D, AttnDownBlock2D, UpBlock2D, AttnUpBlock2D,
                                                 UNetMidBlock2D, DownEncoderBlock2D, UpDecoderBlock2D
  src/diffusers/models/resnet.py                 ResnetBlock2D
  src/diffusers/models/downsampling.py           Downsample2D
  src/diffusers/models/upsampling.py             Upsample2D
  src/diffusers/models/embeddings.py             get_timestep_embedding, Timesteps, TimestepEmbedding
  src/diffusers/models/attention_processor.py    Attention (+ AttnProcessor math)
  src/diffusers/models/autoencoders/vae.py       Encoder, Decoder, VectorQuantizer, DiagonalGaussianDistribution
  src/diffusers/models/autoencoders/autoencoder_kl.py, vq_model.py
  src/diffusers/models/modeling_utils.py         _convert_deprecated_attention_blocks (old key names)

Module attribute names are chosen so that state_dict() keys are exactly diffusers' keys, e.g.
  down_blocks.0.resnets.0.norm1.weight, down_blocks.1.attentions.0.to_q.weight,
  down_blocks.0.downsamplers.0.conv.weight, up_blocks.0.upsamplers.0.conv.weight,
  mid_block.attentions.0.group_norm.weight, mid_block.attentions.0.to_out.0.weight,
  time_embedding.linear_1.weight, conv_norm_out.weight,
  encoder.down_blocks.0.downsamplers.0.conv.weight, quant_conv.weight, quantize.embedding.weight.
Dropout layers hold no parameters; they are omitted (inference only, p is irrelevant in eval).

Only what vkgen supports is implemented; other config values raise NotImplementedError
(fourier/learned time embedding, class embeddings, resnet up/down sampling, skip blocks, spatial norm).
"""
import copy
import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

DIFFUSERS_VERSION = "0.31.0"  # written into config.json like save_pretrained does

# --------------------------------------------------------------------------------------------
# default configs = the __init__ defaults of the diffusers classes (what config.json omits)
UNET2D_DEFAULTS = {
    "sample_size": None,
    "in_channels": 3,
    "out_channels": 3,
    "center_input_sample": False,
    "time_embedding_type": "positional",
    "time_embedding_dim": None,
    "freq_shift": 0,
    "flip_sin_to_cos": True,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"],
    "mid_block_type": "UNetMidBlock2D",
    "up_block_types": ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
    "block_out_channels": [224, 448, 672, 896],
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "downsample_padding": 1,
    "downsample_type": "conv",
    "upsample_type": "conv",
    "dropout": 0.0,
    "act_fn": "silu",
    "attention_head_dim": 8,
    "norm_num_groups": 32,
    "attn_norm_num_groups": None,
    "norm_eps": 1e-5,
    "resnet_time_scale_shift": "default",
    "add_attention": True,
    "class_embed_type": None,
    "num_class_embeds": None,
    "num_train_timesteps": None,
}

AUTOENCODER_KL_DEFAULTS = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"],
    "up_block_types": ["UpDecoderBlock2D"],
    "block_out_channels": [64],
    "layers_per_block": 1,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 32,
    "scaling_factor": 0.18215,
    "shift_factor": None,
    "latents_mean": None,
    "latents_std": None,
    "force_upcast": True,
    "use_quant_conv": True,
    "use_post_quant_conv": True,
    "mid_block_add_attention": True,
}

VQMODEL_DEFAULTS = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"],
    "up_block_types": ["UpDecoderBlock2D"],
    "block_out_channels": [64],
    "layers_per_block": 1,
    "act_fn": "silu",
    "latent_channels": 3,
    "sample_size": 32,
    "num_vq_embeddings": 256,
    "norm_num_groups": 32,
    "vq_embed_dim": None,
    "scaling_factor": 0.18215,
    "norm_type": "group",
    "mid_block_add_attention": True,
    "lookup_from_codebook": False,
    "force_upcast": False,
}

_DEFAULTS = {"UNet2DModel": UNET2D_DEFAULTS, "AutoencoderKL": AUTOENCODER_KL_DEFAULTS, "VQModel": VQMODEL_DEFAULTS}


def full_config(class_name, cfg):
    """Config as diffusers' save_pretrained writes it: defaults filled in, _class_name first."""
    out = {"_class_name": class_name, "_diffusers_version": DIFFUSERS_VERSION}
    d = copy.deepcopy(_DEFAULTS[class_name])
    for k, v in cfg.items():
        if k.startswith("_"):
            continue
        d[k] = v
    for k in sorted(d):
        out[k] = d[k]
    return out


def _cfg(class_name, cfg):
    d = copy.deepcopy(_DEFAULTS[class_name])
    for k, v in cfg.items():
        if not k.startswith("_"):
            d[k] = v
    return d


def get_activation(name):
    # diffusers/models/activations.py ACT2CLS
    if name in ("swish", "silu"):
        return nn.SiLU()
    if name == "mish":
        return nn.Mish()
    if name == "gelu":
        return nn.GELU()
    if name == "relu":
        return nn.ReLU()
    raise NotImplementedError("activation %r" % name)


# --------------------------------------------------------------------------------------------
# embeddings.py
def get_timestep_embedding(timesteps, embedding_dim, flip_sin_to_cos=False, downscale_freq_shift=1.0,
                           scale=1.0, max_period=10000, dtype=torch.float32):
    """Sinusoidal embedding exactly as diffusers (diffusers computes in float32; dtype lets the
    reference run in float64)."""
    assert timesteps.dim() == 1
    half_dim = embedding_dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half_dim, dtype=dtype)
    exponent = exponent / (half_dim - downscale_freq_shift)
    emb = torch.exp(exponent)
    emb = timesteps[:, None].to(dtype) * emb[None, :]
    emb = scale * emb
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half_dim:], emb[:, :half_dim]], dim=-1)
    if embedding_dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class Timesteps(nn.Module):
    def __init__(self, num_channels, flip_sin_to_cos, downscale_freq_shift, scale=1):
        super().__init__()
        self.num_channels = num_channels
        self.flip_sin_to_cos = flip_sin_to_cos
        self.downscale_freq_shift = downscale_freq_shift
        self.scale = scale

    def forward(self, timesteps, dtype=torch.float32):
        return get_timestep_embedding(timesteps, self.num_channels, self.flip_sin_to_cos,
                                      self.downscale_freq_shift, self.scale, dtype=dtype)


class TimestepEmbedding(nn.Module):
    def __init__(self, in_channels, time_embed_dim, act_fn="silu"):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, time_embed_dim)
        self.act = get_activation(act_fn)
        self.linear_2 = nn.Linear(time_embed_dim, time_embed_dim)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


# --------------------------------------------------------------------------------------------
# resnet.py / downsampling.py / upsampling.py
class ResnetBlock2D(nn.Module):
    """ResnetBlock2D with pre_norm, conv_shortcut=False (1x1 conv_shortcut iff in != out)."""

    def __init__(self, in_channels, out_channels=None, temb_channels=512, groups=32, eps=1e-6,
                 non_linearity="swish", time_embedding_norm="default", output_scale_factor=1.0):
        super().__init__()
        out_channels = in_channels if out_channels is None else out_channels
        self.time_embedding_norm = time_embedding_norm
        self.output_scale_factor = output_scale_factor
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, 1, 1)
        if temb_channels is not None:
            if time_embedding_norm == "default":
                self.time_emb_proj = nn.Linear(temb_channels, out_channels)
            elif time_embedding_norm == "scale_shift":
                self.time_emb_proj = nn.Linear(temb_channels, 2 * out_channels)
            else:
                raise NotImplementedError("time_embedding_norm %r" % time_embedding_norm)
        else:
            self.time_emb_proj = None
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1)
        self.nonlinearity = get_activation(non_linearity)
        self.conv_shortcut = nn.Conv2d(in_channels, out_channels, 1, 1, 0) if in_channels != out_channels else None

    def forward(self, x, temb):
        h = self.nonlinearity(self.norm1(x))
        h = self.conv1(h)
        if self.time_emb_proj is not None:
            temb = self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        if self.time_embedding_norm == "default":
            if temb is not None:
                h = h + temb
            h = self.norm2(h)
        else:  # scale_shift
            scale, shift = torch.chunk(temb, 2, dim=1)
            h = self.norm2(h) * (1 + scale) + shift
        h = self.nonlinearity(h)
        h = self.conv2(h)
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return (x + h) / self.output_scale_factor


class Downsample2D(nn.Module):
    """Downsample2D(use_conv=True, name="op"): 3x3 stride-2 conv stored as `conv`.
    padding == 0 means an asymmetric F.pad(x, (0,1,0,1)) before the unpadded conv."""

    def __init__(self, channels, out_channels=None, padding=1):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, out_channels or channels, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0)
        return self.conv(x)


class Upsample2D(nn.Module):
    """Upsample2D(use_conv=True): nearest x2 then 3x3 conv stored as `conv`."""

    def __init__(self, channels, out_channels=None):
        super().__init__()
        self.conv = nn.Conv2d(channels, out_channels or channels, 3, padding=1)

    def forward(self, x):
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.conv(x)


# --------------------------------------------------------------------------------------------
# attention_processor.py: Attention(..., residual_connection=True, bias=True,
#                                   _from_deprecated_attn_block=True) with AttnProcessor math
class Attention(nn.Module):
    def __init__(self, query_dim, heads, dim_head, norm_num_groups=None, eps=1e-5, rescale_output_factor=1.0):
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.rescale_output_factor = rescale_output_factor
        self.group_norm = nn.GroupNorm(norm_num_groups, query_dim, eps=eps, affine=True) \
            if norm_num_groups is not None else None
        self.to_q = nn.Linear(query_dim, inner, bias=True)
        self.to_k = nn.Linear(query_dim, inner, bias=True)
        self.to_v = nn.Linear(query_dim, inner, bias=True)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim, bias=True)])  # [1] is Dropout

    def forward(self, x):
        residual = x
        b, c, hh, ww = x.shape
        h = x.view(b, c, hh * ww).transpose(1, 2)  # [B, N, C]
        if self.group_norm is not None:
            h = self.group_norm(h.transpose(1, 2)).transpose(1, 2)
        q, k, v = self.to_q(h), self.to_k(h), self.to_v(h)

        def split(t):  # head_to_batch_dim: channel block i belongs to head i
            n = t.shape[1]
            return t.reshape(b, n, self.heads, -1).permute(0, 2, 1, 3).reshape(b * self.heads, n, -1)

        q, k, v = split(q), split(k), split(v)
        probs = (torch.bmm(q, k.transpose(1, 2)) * self.scale).softmax(dim=-1)
        o = torch.bmm(probs, v)
        n = o.shape[1]
        o = o.reshape(b, self.heads, n, -1).permute(0, 2, 1, 3).reshape(b, n, -1)
        o = self.to_out[0](o)
        o = o.transpose(-1, -2).reshape(b, c, hh, ww)
        o = o + residual
        return o / self.rescale_output_factor


def _heads(channels, attention_head_dim):
    if attention_head_dim is None:
        attention_head_dim = channels
    assert channels % attention_head_dim == 0
    return channels // attention_head_dim, attention_head_dim


# --------------------------------------------------------------------------------------------
# unet_2d_blocks.py
class DownBlock2D(nn.Module):
    def __init__(self, num_layers, in_channels, out_channels, temb_channels, add_downsample, eps, act, groups,
                 downsample_padding, time_scale_shift, with_attention=False, attention_head_dim=None,
                 output_scale_factor=1.0):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, temb_channels, groups, eps, act,
                          time_scale_shift, output_scale_factor) for i in range(num_layers)])
        if with_attention:
            nh, hd = _heads(out_channels, attention_head_dim)
            self.attentions = nn.ModuleList([
                Attention(out_channels, nh, hd, groups, eps, output_scale_factor) for _ in range(num_layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels, out_channels, downsample_padding)]) \
            if add_downsample else None

    def forward(self, x, temb):
        outs = ()
        for i, r in enumerate(self.resnets):
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x)
            outs += (x,)
        if self.downsamplers is not None:
            for d in self.downsamplers:
                x = d(x)
            outs += (x,)
        return x, outs


class UpBlock2D(nn.Module):
    def __init__(self, num_layers, in_channels, prev_output_channel, out_channels, temb_channels, add_upsample,
                 eps, act, groups, time_scale_shift, with_attention=False, attention_head_dim=None,
                 output_scale_factor=1.0):
        super().__init__()
        rs = []
        for i in range(num_layers):
            res_skip = in_channels if i == num_layers - 1 else out_channels
            rin = prev_output_channel if i == 0 else out_channels
            rs.append(ResnetBlock2D(rin + res_skip, out_channels, temb_channels, groups, eps, act, time_scale_shift,
                                    output_scale_factor))
        self.resnets = nn.ModuleList(rs)
        if with_attention:
            nh, hd = _heads(out_channels, attention_head_dim)
            self.attentions = nn.ModuleList([
                Attention(out_channels, nh, hd, groups, eps, output_scale_factor) for _ in range(num_layers)])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels, out_channels)]) if add_upsample else None

    def forward(self, x, res_tuple, temb):
        for i, r in enumerate(self.resnets):
            res = res_tuple[-1]
            res_tuple = res_tuple[:-1]
            x = torch.cat([x, res], dim=1)
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x)
        if self.upsamplers is not None:
            for u in self.upsamplers:
                x = u(x)
        return x


class UNetMidBlock2D(nn.Module):
    def __init__(self, in_channels, temb_channels, eps, act, groups, attn_groups, time_scale_shift,
                 attention_head_dim, output_scale_factor=1.0, add_attention=True, num_layers=1):
        super().__init__()
        if attn_groups is None:
            attn_groups = groups if time_scale_shift == "default" else None
        rs = [ResnetBlock2D(in_channels, in_channels, temb_channels, groups, eps, act, time_scale_shift,
                            output_scale_factor)]
        ats = []
        nh, hd = _heads(in_channels, attention_head_dim)
        for _ in range(num_layers):
            if add_attention:
                ats.append(Attention(in_channels, nh, hd, attn_groups, eps, output_scale_factor))
            rs.append(ResnetBlock2D(in_channels, in_channels, temb_channels, groups, eps, act, time_scale_shift,
                                    output_scale_factor))
        self.add_attention = add_attention
        self.attentions = nn.ModuleList(ats)
        self.resnets = nn.ModuleList(rs)

    def forward(self, x, temb=None):
        x = self.resnets[0](x, temb)
        for i, r in enumerate(self.resnets[1:]):
            if self.add_attention:
                x = self.attentions[i](x)
            x = r(x, temb)
        return x


_DOWN = {"DownBlock2D": False, "AttnDownBlock2D": True}
_UP = {"UpBlock2D": False, "AttnUpBlock2D": True}


def _strip(t):
    return t[7:] if t.startswith("UNetRes") else t


# --------------------------------------------------------------------------------------------
class UNet2DModel(nn.Module):
    """diffusers UNet2DModel (positional time embedding, conv up/down sampling)."""

    def __init__(self, config):
        super().__init__()
        c = _cfg("UNet2DModel", config)
        self.config = c
        if c["time_embedding_type"] != "positional":
            raise NotImplementedError("time_embedding_type %r" % c["time_embedding_type"])
        if c["class_embed_type"] is not None or c["num_class_embeds"] is not None:
            raise NotImplementedError("class embeddings")
        if c["downsample_type"] != "conv" or c["upsample_type"] != "conv":
            raise NotImplementedError("resnet up/down sampling")
        boc = list(c["block_out_channels"])
        ted = c["time_embedding_dim"] or boc[0] * 4
        eps, act, groups = c["norm_eps"], c["act_fn"], c["norm_num_groups"]
        tss, ahd = c["resnet_time_scale_shift"], c["attention_head_dim"]
        if tss not in ("default", "scale_shift"):
            raise NotImplementedError("resnet_time_scale_shift %r" % tss)
        assert len(c["down_block_types"]) == len(c["up_block_types"]) == len(boc)

        self.conv_in = nn.Conv2d(c["in_channels"], boc[0], 3, padding=1)
        self.time_proj = Timesteps(boc[0], c["flip_sin_to_cos"], c["freq_shift"])
        self.time_embedding = TimestepEmbedding(boc[0], ted)

        self.down_blocks = nn.ModuleList()
        oc = boc[0]
        for i, t in enumerate(c["down_block_types"]):
            t = _strip(t)
            if t not in _DOWN:
                raise NotImplementedError("down block %r" % t)
            ic, oc = oc, boc[i]
            final = i == len(boc) - 1
            self.down_blocks.append(DownBlock2D(
                c["layers_per_block"], ic, oc, ted, not final, eps, act, groups, c["downsample_padding"], tss,
                with_attention=_DOWN[t], attention_head_dim=ahd if ahd is not None else oc))

        if c["mid_block_type"] is None:
            self.mid_block = None
        elif c["mid_block_type"] == "UNetMidBlock2D":
            self.mid_block = UNetMidBlock2D(
                boc[-1], ted, eps, act, groups, c["attn_norm_num_groups"], tss,
                ahd if ahd is not None else boc[-1], c["mid_block_scale_factor"], c["add_attention"])
        else:
            raise NotImplementedError("mid block %r" % c["mid_block_type"])

        self.up_blocks = nn.ModuleList()
        rev = list(reversed(boc))
        oc = rev[0]
        for i, t in enumerate(c["up_block_types"]):
            t = _strip(t)
            if t not in _UP:
                raise NotImplementedError("up block %r" % t)
            prev, oc = oc, rev[i]
            ic = rev[min(i + 1, len(boc) - 1)]
            final = i == len(boc) - 1
            self.up_blocks.append(UpBlock2D(
                c["layers_per_block"] + 1, ic, prev, oc, ted, not final, eps, act, groups, tss,
                with_attention=_UP[t], attention_head_dim=ahd if ahd is not None else oc))

        ng = groups if groups is not None else min(boc[0] // 4, 32)
        self.conv_norm_out = nn.GroupNorm(ng, boc[0], eps=eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[0], c["out_channels"], 3, padding=1)

    def forward(self, sample, timestep):
        if self.config["center_input_sample"]:
            sample = 2 * sample - 1.0
        t = timestep
        if not torch.is_tensor(t):
            t = torch.tensor([t], dtype=torch.long)
        elif t.dim() == 0:
            t = t[None]
        t = t * torch.ones(sample.shape[0], dtype=t.dtype)
        emb = self.time_proj(t, dtype=sample.dtype)
        emb = self.time_embedding(emb)

        x = self.conv_in(sample)
        res = (x,)
        for blk in self.down_blocks:
            x, r = blk(x, emb)
            res += r
        if self.mid_block is not None:
            x = self.mid_block(x, emb)
        for blk in self.up_blocks:
            n = len(blk.resnets)
            r, res = res[-n:], res[:-n]
            x = blk(x, r, emb)
        x = self.conv_out(self.conv_act(self.conv_norm_out(x)))
        return x


# --------------------------------------------------------------------------------------------
# autoencoders/vae.py
class Encoder(nn.Module):
    def __init__(self, in_channels, out_channels, down_block_types, block_out_channels, layers_per_block,
                 norm_num_groups, act_fn, double_z, mid_block_add_attention=True):
        super().__init__()
        boc = list(block_out_channels)
        self.conv_in = nn.Conv2d(in_channels, boc[0], 3, 1, 1)
        self.down_blocks = nn.ModuleList()
        oc = boc[0]
        for i, t in enumerate(down_block_types):
            if t != "DownEncoderBlock2D":
                raise NotImplementedError("encoder block %r" % t)
            ic, oc = oc, boc[i]
            final = i == len(boc) - 1
            self.down_blocks.append(DownBlock2D(layers_per_block, ic, oc, None, not final, 1e-6, act_fn,
                                                norm_num_groups, 0, "default"))
        self.mid_block = UNetMidBlock2D(boc[-1], None, 1e-6, act_fn, norm_num_groups, None, "default", boc[-1],
                                        1.0, mid_block_add_attention)
        self.conv_norm_out = nn.GroupNorm(norm_num_groups, boc[-1], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[-1], 2 * out_channels if double_z else out_channels, 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for b in self.down_blocks:
            x, _ = b(x, None)
        x = self.mid_block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, in_channels, out_channels, up_block_types, block_out_channels, layers_per_block,
                 norm_num_groups, act_fn, norm_type="group", mid_block_add_attention=True):
        super().__init__()
        if norm_type != "group":
            raise NotImplementedError("decoder norm_type %r" % norm_type)
        boc = list(block_out_channels)
        self.conv_in = nn.Conv2d(in_channels, boc[-1], 3, 1, 1)
        self.mid_block = UNetMidBlock2D(boc[-1], None, 1e-6, act_fn, norm_num_groups, None, "default", boc[-1],
                                        1.0, mid_block_add_attention)
        self.up_blocks = nn.ModuleList()
        rev = list(reversed(boc))
        oc = rev[0]
        for i, t in enumerate(up_block_types):
            if t != "UpDecoderBlock2D":
                raise NotImplementedError("decoder block %r" % t)
            prev, oc = oc, rev[i]
            final = i == len(boc) - 1
            self.up_blocks.append(_UpDecoderBlock2D(layers_per_block + 1, prev, oc, not final, norm_num_groups,
                                                    act_fn))
        self.conv_norm_out = nn.GroupNorm(norm_num_groups, boc[0], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(boc[0], out_channels, 3, padding=1)

    def forward(self, z):
        x = self.conv_in(z)
        x = self.mid_block(x)
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class _UpDecoderBlock2D(nn.Module):
    """UpDecoderBlock2D: resnets without temb (no skip concatenation), optional Upsample2D."""

    def __init__(self, num_layers, in_channels, out_channels, add_upsample, groups, act):
        super().__init__()
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, None, groups, 1e-6, act)
            for i in range(num_layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels, out_channels)]) if add_upsample else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x, None)
        if self.upsamplers is not None:
            for u in self.upsamplers:
                x = u(x)
        return x


class AutoencoderKL(nn.Module):
    """encode(x) -> (mean, logvar) of DiagonalGaussianDistribution (logvar clamped to [-30, 20]);
    decode(z) -> image. scaling_factor is NOT applied here (diffusers pipelines apply it)."""

    def __init__(self, config):
        super().__init__()
        c = _cfg("AutoencoderKL", config)
        self.config = c
        self.encoder = Encoder(c["in_channels"], c["latent_channels"], c["down_block_types"],
                               c["block_out_channels"], c["layers_per_block"], c["norm_num_groups"], c["act_fn"],
                               True, c["mid_block_add_attention"])
        self.decoder = Decoder(c["latent_channels"], c["out_channels"], c["up_block_types"],
                               c["block_out_channels"], c["layers_per_block"], c["norm_num_groups"], c["act_fn"],
                               "group", c["mid_block_add_attention"])
        lc = c["latent_channels"]
        self.quant_conv = nn.Conv2d(2 * lc, 2 * lc, 1) if c["use_quant_conv"] else None
        self.post_quant_conv = nn.Conv2d(lc, lc, 1) if c["use_post_quant_conv"] else None

    def encode_moments(self, x):
        h = self.encoder(x)
        if self.quant_conv is not None:
            h = self.quant_conv(h)
        return h

    def encode(self, x):
        moments = self.encode_moments(x)
        mean, logvar = torch.chunk(moments, 2, dim=1)
        logvar = torch.clamp(logvar, -30.0, 20.0)
        return mean, logvar

    def decode(self, z):
        if self.post_quant_conv is not None:
            z = self.post_quant_conv(z)
        return self.decoder(z)


class VectorQuantizer(nn.Module):
    """Nearest codebook row by L2 distance; ties go to the lowest index (torch.argmin's rule)."""

    def __init__(self, n_e, vq_embed_dim):
        super().__init__()
        self.embedding = nn.Embedding(n_e, vq_embed_dim)

    def indices(self, z):
        b, c, h, w = z.shape
        zf = z.permute(0, 2, 3, 1).reshape(-1, c)
        e = self.embedding.weight
        d = (zf[:, None, :] - e[None, :, :]).pow(2).sum(-1)
        return torch.argmin(d, dim=1).reshape(b, h, w)

    def lookup(self, idx):
        b, h, w = idx.shape
        return self.embedding.weight[idx.reshape(-1)].reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()

    def forward(self, z):
        idx = self.indices(z)
        return self.lookup(idx), idx


class VQModel(nn.Module):
    """encode(x) -> latents (after quant_conv, before quantization), as diffusers' VQModel.encode;
    quantize(latents) -> (quantized, indices [B,H,W]); decode_quantized(q) -> image
    (= diffusers' decode(latents) since quantization happens inside diffusers' decode)."""

    def __init__(self, config):
        super().__init__()
        c = _cfg("VQModel", config)
        self.config = c
        lc = c["latent_channels"]
        ved = c["vq_embed_dim"] if c["vq_embed_dim"] is not None else lc
        self.encoder = Encoder(c["in_channels"], lc, c["down_block_types"], c["block_out_channels"],
                               c["layers_per_block"], c["norm_num_groups"], c["act_fn"], False,
                               c["mid_block_add_attention"])
        self.quant_conv = nn.Conv2d(lc, ved, 1)
        self.quantize = VectorQuantizer(c["num_vq_embeddings"], ved)
        self.post_quant_conv = nn.Conv2d(ved, lc, 1)
        self.decoder = Decoder(lc, c["out_channels"], c["up_block_types"], c["block_out_channels"],
                               c["layers_per_block"], c["norm_num_groups"], c["act_fn"], c["norm_type"],
                               c["mid_block_add_attention"])

    def encode(self, x):
        return self.quant_conv(self.encoder(x))

    def decode_quantized(self, q):
        return self.decoder(self.post_quant_conv(q))

    def decode(self, latents):
        q, _ = self.quantize(latents)
        return self.decode_quantized(q)

    def decode_indices(self, idx):
        return self.decode_quantized(self.quantize.lookup(idx))


# --------------------------------------------------------------------------------------------
_NEW_TO_OLD = [("to_q.", "query."), ("to_k.", "key."), ("to_v.", "value."), ("to_out.0.", "proj_attn.")]


def to_old_attention_keys(state_dict):
    """Rename diffusers' current attention keys to the pre-0.14 AttentionBlock names
    (to_q/to_k/to_v/to_out.0 -> query/key/value/proj_attn; group_norm keeps its name), the inverse of
    ModelMixin._convert_deprecated_attention_blocks."""
    out = {}
    pat = re.compile(r"^(.*\.attentions\.\d+\.)(to_q\.|to_k\.|to_v\.|to_out\.0\.)(weight|bias)$")
    for k, v in state_dict.items():
        m = pat.match(k)
        if m:
            new = dict(_NEW_TO_OLD)[m.group(2)]
            k = m.group(1) + new + m.group(3)
        out[k] = v
    return out


def from_old_attention_keys(state_dict):
    out = {}
    pat = re.compile(r"^(.*\.attentions\.\d+\.)(query\.|key\.|value\.|proj_attn\.)(weight|bias)$")
    inv = {o: n for n, o in _NEW_TO_OLD}
    for k, v in state_dict.items():
        m = pat.match(k)
        if m:
            k = m.group(1) + inv[m.group(2)] + m.group(3)
        out[k] = v
    return out


def build(config):
    """Model from a config dict (as in config.json)."""
    name = config.get("_class_name", "UNet2DModel")
    if name in ("UNet2DModel", "UNetModel"):
        return UNet2DModel(config)
    if name == "AutoencoderKL":
        return AutoencoderKL(config)
    if name == "VQModel":
        return VQModel(config)
    raise NotImplementedError(name)
