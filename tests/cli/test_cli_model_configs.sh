#!/usr/bin/env bash
# vkgen validate catches model configs that cannot work, as run would, naming config.json (or
# scheduler_config.json) and the key: UNet widths out of range or disagreeing with the weight
# headers, norm groups that do not divide the channels, norm_eps <= 0, DDPM betas outside
# (0, 1) or decreasing. No GPU work: validate only reads configs and weight headers.
source "$(dirname "$0")/lib.sh"
SRC="$VKG_SOURCE_DIR/models/ddpm-fashion"

# variant NAME FILE PYTHON-UPDATE: a copy of the DDPM model with FILE's JSON updated.
variant() {
  local d="$TMP/$1"
  mkdir -p "$d"
  ln -sf "$SRC/diffusion_pytorch_model.safetensors" "$d/"
  cp "$SRC/config.json" "$SRC/scheduler_config.json" "$d/"
  python3 - "$d/$2" "$3" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.update(json.loads(sys.argv[2]))
json.dump(c, open(sys.argv[1], "w"))
PY
  cat >"$TMP/$1.yaml" <<G
vkgen: 1
nodes:
  n: {op: core.randn, params: {shape: [2, 1, 28, 28]}}
  s: {op: ddpm.sample, inputs: {noise: n}, params: {model: $d, steps: 2}}
G
}

bad() { # bad NAME FILE UPDATE MESSAGE
  variant "$1" "$2" "$3"
  expect 1 "$TMP/$1/$2: $4" "$VKGEN" validate "$TMP/$1.yaml"
  grep -q "node 's' (ddpm.sample): param 'model'" "$LOG" || die "$1: the node and param are not named"
}

check "the unmodified copy validates"
variant same config.json '{}'
expect 0 ": ok (" "$VKGEN" validate "$TMP/same.yaml"

check "UNet configs that cannot work"
bad wide config.json '{"block_out_channels": [32, 3000000000, 64]}' "block_out_channels[1] is 3000000000"
bad neg config.json '{"block_out_channels": [32, -64, 64]}' "block_out_channels[1] is -64"
bad width config.json '{"block_out_channels": [32, 128, 64]}' \
  "block_out_channels[1] = 128 disagrees with 'down_blocks.1.resnets.0.conv1.weight'"
bad inch config.json '{"in_channels": 3}' "block_out_channels[0] = 32 and in_channels = 3 disagree with 'conv_in.weight'"
bad groups config.json '{"norm_num_groups": 7}' "norm_num_groups 7 does not divide block_out_channels[0] = 32"
bad agroups config.json '{"attn_norm_num_groups": 3}' "attn_norm_num_groups 3 does not divide block_out_channels[0] = 32"
bad eps config.json '{"norm_eps": -1e-5}' "norm_eps must be in (0, 1), got -1e-05"
bad eps0 config.json '{"norm_eps": 0}' "norm_eps must be in (0, 1), got 0"

check "DDPM schedulers with betas outside (0, 1) or decreasing"
bad b0 scheduler_config.json '{"beta_start": 0}' "beta_start must be in (0, 1), got 0"
bad bneg scheduler_config.json '{"beta_start": -0.1}' "beta_start must be in (0, 1), got -0.1"
bad b1 scheduler_config.json '{"beta_end": 1.5}' "beta_end must be in (0, 1), got 1.5"
bad sl scheduler_config.json '{"beta_schedule": "scaled_linear", "beta_end": 1}' "beta_end must be in (0, 1), got 1"
bad dec scheduler_config.json '{"beta_start": 0.02, "beta_end": 0.0001}' "beta_end 0.0001 < beta_start 0.02: betas must not decrease"
bad tb scheduler_config.json '{"num_train_timesteps": 3, "trained_betas": [0.1, 0.05, 0.2]}' \
  "trained_betas[1] = 0.05 < trained_betas[0] = 0.1: betas must not decrease"
bad tb1 scheduler_config.json '{"num_train_timesteps": 3, "trained_betas": [0.1, 0.2, 1.0]}' \
  "trained_betas[2] must be in (0, 1), got 1"
bad clip scheduler_config.json '{"clip_sample_range": -1}' "clip_sample_range must be > 0, got -1"
check "the autoencoder configs (AutoencoderKL) refuse the same class: huge widths, groups that do not divide"
VAE="$VKG_SOURCE_DIR/models/vae-kl-fashion"
vae_bad() { # vae_bad NAME UPDATE MESSAGE
  local d="$TMP/$1"
  mkdir -p "$d"
  ln -sf "$VAE/diffusion_pytorch_model.safetensors" "$d/"
  python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); c.update(json.loads(sys.argv[2])); json.dump(c, open(sys.argv[3], "w"))' \
    "$VAE/config.json" "$2" "$d/config.json"
  printf 'vkgen: 1\nnodes:\n  v: {op: vae.sample, params: {model: %s, batch: 2}}\n' "$d" >"$TMP/$1.yaml"
  expect 1 "$d/config.json: $3" "$VKGEN" validate "$TMP/$1.yaml"
}
vae_bad vwide '{"block_out_channels": [32, 3000000000]}' "block_out_channels[1] = 3000000000 is not a multiple"
vae_bad vgroups '{"norm_num_groups": 24}' "block_out_channels[0] = 32 is not a multiple of norm_num_groups 24"

check "squaredcos_cap_v2 does not use beta_start/beta_end, so they are not checked"
variant cos scheduler_config.json '{"beta_schedule": "squaredcos_cap_v2", "beta_start": 5}'
expect 0 ": ok (" "$VKGEN" validate "$TMP/cos.yaml"
echo "ok"
