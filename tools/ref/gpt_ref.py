"""minGPT as taming-transformers uses it (taming/modules/transformer/mingpt.py): the reference for vkgen's
`GPT` model folders, with the same state_dict names, plus its sampling (sample_with_past and transformers'
top_k_top_p_filtering) written out so that no `transformers` install is needed.

State dict (n_layer blocks):
    tok_emb.weight [vocab_size, n_embd]          pos_emb [1, block_size, n_embd]
    blocks.N.ln1.{weight,bias}  blocks.N.ln2.{weight,bias}
    blocks.N.attn.{key,query,value,proj}.{weight,bias} [n_embd, n_embd] / [n_embd]
    blocks.N.attn.mask [1, 1, block_size, block_size]  (buffer: tril, with the first n_unmasked
                                                        positions attending to each other)
    blocks.N.mlp.0.{weight,bias} [4 n_embd, n_embd]   blocks.N.mlp.2.{weight,bias} [n_embd, 4 n_embd]
    ln_f.{weight,bias}  head.weight [vocab_size, n_embd] (no bias)
LayerNorm eps 1e-5, exact (erf) GELU, attention scale 1/sqrt(head size), dropout off (inference).

Class-conditional models follow taming's Net2NetTransformer with a Labelator cond stage: the class label
is the first token of the sequence (an id of the same tok_emb table, so vocab_size >= n_classes) and the
codes follow; unconditional models start from a fixed sos token. logits[:, t] predict token t + 1.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG_KEYS = ("vocab_size", "block_size", "n_layer", "n_head", "n_embd", "n_unmasked")


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, n_unmasked=0):
        super().__init__()
        assert n_embd % n_head == 0
        self.key = nn.Linear(n_embd, n_embd)
        self.query = nn.Linear(n_embd, n_embd)
        self.value = nn.Linear(n_embd, n_embd)
        self.proj = nn.Linear(n_embd, n_embd)
        mask = torch.tril(torch.ones(block_size, block_size))
        mask[:n_unmasked, :n_unmasked] = 1
        self.register_buffer("mask", mask.view(1, 1, block_size, block_size))
        self.n_head = n_head

    def forward(self, x, layer_past=None):
        B, T, C = x.size()
        hs = C // self.n_head
        k = self.key(x).view(B, T, self.n_head, hs).transpose(1, 2)
        q = self.query(x).view(B, T, self.n_head, hs).transpose(1, 2)
        v = self.value(x).view(B, T, self.n_head, hs).transpose(1, 2)
        present = torch.stack((k, v))
        if layer_past is not None:
            k = torch.cat((layer_past[0], k), dim=-2)
            v = torch.cat((layer_past[1], v), dim=-2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        if layer_past is None:
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y), present


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size, n_unmasked=0):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, n_unmasked)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd),
                                 nn.Dropout(0.0))

    def forward(self, x, layer_past=None):
        a, present = self.attn(self.ln1(x), layer_past=layer_past)
        x = x + a
        x = x + self.mlp(self.ln2(x))
        return x, present


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=12, n_head=8, n_embd=256, n_unmasked=0):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head,
                           n_embd=n_embd, n_unmasked=n_unmasked)
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Parameter(torch.zeros(1, block_size, n_embd))
        self.blocks = nn.Sequential(*[Block(n_embd, n_head, block_size, n_unmasked) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.block_size = block_size
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            m.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.LayerNorm):
            m.bias.data.zero_()
            m.weight.data.fill_(1.0)

    def forward(self, idx):
        x = self.tok_emb(idx)
        t = x.shape[1]
        assert t <= self.block_size, "block size exhausted"
        x = x + self.pos_emb[:, :t, :]
        for b in self.blocks:
            x, _ = b(x)
        return self.head(self.ln_f(x))

    def forward_with_past(self, idx, past=None, past_length=None):
        """One step of taming's forward_with_past: idx [B, t] new tokens; past: list of per-step presents."""
        x = self.tok_emb(idx)
        if past is not None:
            past = torch.cat(past, dim=-2)
            x = x + self.pos_emb[:, past_length, :]
        else:
            x = x + self.pos_emb[:, :x.shape[1], :]
        presents = []
        for i, b in enumerate(self.blocks):
            x, present = b(x, layer_past=past[i] if past is not None else None)
            presents.append(present)
        return self.head(self.ln_f(x)), torch.stack(presents)


def top_k_top_p_filtering(logits, top_k=0, top_p=1.0, filter_value=-float("inf"), min_tokens_to_keep=1):
    """transformers' top_k_top_p_filtering (the function taming imports)."""
    if top_k > 0:
        top_k = min(max(top_k, min_tokens_to_keep), logits.size(-1))
        remove = logits < torch.topk(logits, top_k)[0][..., -1, None]
        logits = logits.masked_fill(remove, filter_value)
    if top_p < 1.0:
        sorted_logits, sorted_indices = torch.sort(logits, descending=True)
        cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
        remove_sorted = cum > top_p
        if min_tokens_to_keep > 1:
            remove_sorted[..., :min_tokens_to_keep] = 0
        remove_sorted[..., 1:] = remove_sorted[..., :-1].clone()
        remove_sorted[..., 0] = 0
        remove = remove_sorted.scatter(1, sorted_indices, remove_sorted)
        logits = logits.masked_fill(remove, filter_value)
    return logits


@torch.no_grad()
def sample_with_past(cond, model, steps, temperature=1.0, top_k=0, top_p=1.0, greedy=False, generator=None):
    """taming's sample_with_past (KV cache): cond [B, c] conditioning tokens -> [B, steps] sampled tokens.
    greedy takes the most likely token (taming's sample_logits=False)."""
    x, past = cond, None
    cond_len = cond.shape[1]
    out = []
    for n in range(steps):
        logits, present = model.forward_with_past(x, past=past, past_length=n + cond_len - 1)
        past = [present] if past is None else past + [present]
        logits = logits[:, -1, :] / temperature
        logits = top_k_top_p_filtering(logits, top_k=top_k, top_p=top_p)
        probs = F.softmax(logits, dim=-1)
        if greedy:
            x = torch.topk(probs, k=1, dim=-1)[1]
        else:
            x = torch.multinomial(probs, num_samples=1, generator=generator)
        out.append(x)
    return torch.cat(out, dim=1)


def config_json(model, **extra):
    c = {"_class_name": "GPT"}
    c.update(model.config)
    c.update(extra)
    return c


def from_config(c):
    return GPT(c["vocab_size"], c["block_size"], c["n_layer"], c["n_head"], c["n_embd"], c.get("n_unmasked", 0))
