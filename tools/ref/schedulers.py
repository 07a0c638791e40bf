"""DDPM and DDIM schedulers with diffusers' math (step() identical), plain torch + numpy.

Reference: huggingface/diffusers src/diffusers/schedulers/scheduling_ddpm.py and scheduling_ddim.py.
Differences from diffusers, on purpose:
  * the stochastic part of step() takes an explicit `noise` tensor instead of a torch.Generator;
  * `dtype` picks the precision of the schedule tables (diffusers: float32 betas/alphas_cumprod).
    With dtype=float32 the tables are bit-identical to diffusers'.
Not implemented: thresholding, variance_type learned (learned_range is), custom timesteps, rescale_betas_zero_snr.
"""
import math

import numpy as np
import torch

DDPM_DEFAULTS = {
    "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
    "trained_betas": None, "variance_type": "fixed_small", "clip_sample": True, "prediction_type": "epsilon",
    "thresholding": False, "dynamic_thresholding_ratio": 0.995, "clip_sample_range": 1.0,
    "sample_max_value": 1.0, "timestep_spacing": "leading", "steps_offset": 0, "rescale_betas_zero_snr": False,
}
DDIM_DEFAULTS = {
    "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
    "trained_betas": None, "clip_sample": True, "set_alpha_to_one": True, "steps_offset": 0,
    "prediction_type": "epsilon", "thresholding": False, "dynamic_thresholding_ratio": 0.995,
    "clip_sample_range": 1.0, "sample_max_value": 1.0, "timestep_spacing": "leading",
    "rescale_betas_zero_snr": False,
}


def betas_for_alpha_bar(n, max_beta=0.999):
    """squaredcos_cap_v2 (cosine alpha_bar), computed in python floats then stored as float32."""
    def abar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = [min(1 - abar((i + 1) / n) / abar(i / n), max_beta) for i in range(n)]
    return torch.tensor(betas, dtype=torch.float32)


def make_betas(c):
    n = c["num_train_timesteps"]
    if c.get("trained_betas") is not None:
        return torch.tensor(c["trained_betas"], dtype=torch.float32)
    if c["beta_schedule"] == "linear":
        return torch.linspace(c["beta_start"], c["beta_end"], n, dtype=torch.float32)
    if c["beta_schedule"] == "scaled_linear":
        return torch.linspace(c["beta_start"] ** 0.5, c["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
    if c["beta_schedule"] == "squaredcos_cap_v2":
        return betas_for_alpha_bar(n)
    raise NotImplementedError("beta_schedule %r" % c["beta_schedule"])


def make_timesteps(c, num_inference_steps):
    n = c["num_train_timesteps"]
    if num_inference_steps > n:
        raise ValueError("num_inference_steps > num_train_timesteps")
    sp = c["timestep_spacing"]
    if sp == "linspace":
        ts = np.linspace(0, n - 1, num_inference_steps).round()[::-1].copy().astype(np.int64)
    elif sp == "leading":
        ratio = n // num_inference_steps
        ts = (np.arange(0, num_inference_steps) * ratio).round()[::-1].copy().astype(np.int64)
        ts += c["steps_offset"]
    elif sp == "trailing":
        ratio = n / num_inference_steps
        ts = np.round(np.arange(n, 0, -ratio)).astype(np.int64)
        ts -= 1
    else:
        raise ValueError("timestep_spacing %r" % sp)
    return torch.from_numpy(ts)


def _merge(defaults, cfg):
    c = dict(defaults)
    for k, v in (cfg or {}).items():
        if not k.startswith("_"):
            c[k] = v
    for k in ("thresholding", "rescale_betas_zero_snr"):
        if c.get(k):
            raise NotImplementedError(k)
    return c


class DDPMScheduler:
    def __init__(self, config=None, dtype=torch.float32):
        c = _merge(DDPM_DEFAULTS, config)
        if c["variance_type"] not in ("fixed_small", "fixed_large", "fixed_small_log", "learned_range"):
            raise NotImplementedError("variance_type %r" % c["variance_type"])
        self.config = c
        self.betas = make_betas(c).to(dtype)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.one = torch.tensor(1.0, dtype=dtype)
        self.num_inference_steps = None
        self.timesteps = torch.arange(0, c["num_train_timesteps"]).flip(0)

    def set_timesteps(self, num_inference_steps):
        self.num_inference_steps = num_inference_steps
        self.timesteps = make_timesteps(self.config, num_inference_steps)

    def previous_timestep(self, t):
        if self.num_inference_steps:
            idx = int((self.timesteps == t).nonzero()[0][0])
            return -1 if idx == len(self.timesteps) - 1 else int(self.timesteps[idx + 1])
        return t - 1

    def _variance(self, t, predicted_variance=None):
        prev_t = self.previous_timestep(t)
        a_t = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        beta_t = 1 - a_t / a_prev
        var = (1 - a_prev) / (1 - a_t) * beta_t
        var = torch.clamp(var, min=1e-20)
        vt = self.config["variance_type"]
        if vt == "fixed_small":
            return var
        if vt == "fixed_small_log":
            return torch.exp(0.5 * torch.log(var))
        if vt == "learned_range":  # a log-variance interpolated by the model's second half of channels
            frac = (predicted_variance + 1) / 2
            return frac * torch.log(beta_t) + (1 - frac) * torch.log(var)
        return beta_t  # fixed_large

    def step(self, model_output, t, sample, noise=None, predicted_variance=None):
        """Returns (prev_sample, pred_original_sample). `noise` is the variance noise (needed when t > 0);
        predicted_variance: the model's extra channels (variance_type learned_range only)."""
        t = int(t)
        c = self.config
        prev_t = self.previous_timestep(t)
        a_t = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        b_t = 1 - a_t
        b_prev = 1 - a_prev
        cur_alpha = a_t / a_prev
        cur_beta = 1 - cur_alpha
        if c["prediction_type"] == "epsilon":
            x0 = (sample - b_t ** 0.5 * model_output) / a_t ** 0.5
        elif c["prediction_type"] == "sample":
            x0 = model_output
        elif c["prediction_type"] == "v_prediction":
            x0 = (a_t ** 0.5) * sample - (b_t ** 0.5) * model_output
        else:
            raise ValueError(c["prediction_type"])
        if c["clip_sample"]:
            x0 = x0.clamp(-c["clip_sample_range"], c["clip_sample_range"])
        x0_coeff = (a_prev ** 0.5 * cur_beta) / b_t
        cur_coeff = cur_alpha ** 0.5 * b_prev / b_t
        prev = x0_coeff * x0 + cur_coeff * sample
        if t > 0:
            if noise is None:
                raise ValueError("DDPM step at t > 0 needs noise")
            if c["variance_type"] == "fixed_small_log":
                prev = prev + self._variance(t) * noise
            elif c["variance_type"] == "learned_range":
                prev = prev + torch.exp(0.5 * self._variance(t, predicted_variance)) * noise
            else:
                prev = prev + (self._variance(t) ** 0.5) * noise
        return prev, x0


class DDIMScheduler:
    def __init__(self, config=None, dtype=torch.float32):
        c = _merge(DDIM_DEFAULTS, config)
        self.config = c
        self.betas = make_betas(c).to(dtype)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.final_alpha_cumprod = torch.tensor(1.0, dtype=dtype) if c["set_alpha_to_one"] \
            else self.alphas_cumprod[0]
        self.num_inference_steps = None
        self.timesteps = torch.arange(0, c["num_train_timesteps"]).flip(0)

    def set_timesteps(self, num_inference_steps):
        self.num_inference_steps = num_inference_steps
        self.timesteps = make_timesteps(self.config, num_inference_steps)

    def _variance(self, t, prev_t):
        a_t = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final_alpha_cumprod
        return ((1 - a_prev) / (1 - a_t)) * (1 - a_t / a_prev)

    def step(self, model_output, t, sample, eta=0.0, use_clipped_model_output=False, noise=None):
        """Returns (prev_sample, pred_original_sample). prev_t = t - num_train // num_inference_steps
        (diffusers uses this even for trailing/linspace spacing)."""
        if self.num_inference_steps is None:
            raise ValueError("call set_timesteps first")
        c = self.config
        t = int(t)
        prev_t = t - c["num_train_timesteps"] // self.num_inference_steps
        a_t = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final_alpha_cumprod
        b_t = 1 - a_t
        if c["prediction_type"] == "epsilon":
            x0 = (sample - b_t ** 0.5 * model_output) / a_t ** 0.5
            eps = model_output
        elif c["prediction_type"] == "sample":
            x0 = model_output
            eps = (sample - a_t ** 0.5 * x0) / b_t ** 0.5
        elif c["prediction_type"] == "v_prediction":
            x0 = (a_t ** 0.5) * sample - (b_t ** 0.5) * model_output
            eps = (a_t ** 0.5) * model_output + (b_t ** 0.5) * sample
        else:
            raise ValueError(c["prediction_type"])
        if c["clip_sample"]:
            x0 = x0.clamp(-c["clip_sample_range"], c["clip_sample_range"])
        var = self._variance(t, prev_t)
        std = eta * var ** 0.5
        if use_clipped_model_output:
            eps = (sample - a_t ** 0.5 * x0) / b_t ** 0.5
        direction = (1 - a_prev - std ** 2) ** 0.5 * eps
        prev = a_prev ** 0.5 * x0 + direction
        if eta > 0:
            if noise is None:
                raise ValueError("DDIM step with eta > 0 needs noise")
            prev = prev + std * noise
        return prev, x0


def sample_loop(unet, scheduler, x, steps, eta=0.0, noises=None):
    """DDPMPipeline / DDIMPipeline loop: for t in timesteps: eps = unet(x, t); x = step(...).
    noises[i] is the variance noise of step i (unused where the step is deterministic).
    Returns (final sample, per-step samples [steps, ...]); image = (x / 2 + 0.5).clamp(0, 1)."""
    scheduler.set_timesteps(steps)
    outs = []
    for i, t in enumerate(scheduler.timesteps):
        eps = unet(x, t)
        n = None if noises is None else noises[i]
        if isinstance(scheduler, DDIMScheduler):
            x, _ = scheduler.step(eps, t, x, eta=eta, noise=n)
        else:
            x, _ = scheduler.step(eps, t, x, noise=n)
        outs.append(x)
    return x, torch.stack(outs)
