#version 450
#extension GL_GOOGLE_include_directive : enable
// y = act((x - mean[row]) * inv_std[row] (* gamma[ch] + beta[ch])); channel of element e of
// row r: (r % groups) * cpg + e / spatial (layer norm: groups 1, spatial 1). act numbers follow
// vkg_act (0 none): GroupNorm + SiLU is one pass over memory.
#include "kl_common.glsl"
#include "kl_math.glsl"
#include "kl_act.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer St { vec2 stats[]; };
layout(std430, binding = 2) readonly buffer G { float gam[]; };
layout(std430, binding = 3) readonly buffer B { float bet[]; };
layout(std430, binding = 4) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, len, groups, cpg, spatial, affine, act; float act_param; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint r = i / pc.len, e = i % pc.len;
  vec2 st = stats[r];
  float v = (x[i] - st.x) * st.y;
  if (pc.affine != 0u) {
    uint c = (r % pc.groups) * pc.cpg + e / pc.spatial;
    v = v * gam[c] + bet[c];
  }
  y[i] = pc.act != 0u ? kl_act(v, pc.act, pc.act_param) : v;
}
