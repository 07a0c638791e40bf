#version 450
#extension GL_GOOGLE_include_directive : enable
// Group norm, one invocation per row, planes of whole vec4s (see kl_group_norm.glsl).
#define GN_T vec4
#define GN_W 4u
float gn_sum(vec4 v) { return (v.x + v.y) + (v.z + v.w); }
#include "kl_math.glsl"
#include "kl_act.glsl"
vec4 gn_act(vec4 v, uint act, float param) {
  for (int e = 0; e < 4; ++e) v[e] = kl_act(v[e], act, param);
  return v;
}
#include "kl_group_norm.glsl"
