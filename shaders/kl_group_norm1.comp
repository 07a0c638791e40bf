#version 450
#extension GL_GOOGLE_include_directive : enable
// Group norm, one invocation per row, any plane size (see kl_group_norm.glsl).
#define GN_T float
#define GN_W 1u
float gn_sum(float v) { return v; }
#include "kl_math.glsl"
#include "kl_act.glsl"
float gn_act(float v, uint act, float param) { return kl_act(v, act, param); }
#include "kl_group_norm.glsl"
