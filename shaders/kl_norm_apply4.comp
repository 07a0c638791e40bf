#version 450
#extension GL_GOOGLE_include_directive : enable
// kl_norm_apply for group norm over planes whose spatial size is a multiple of 4: workgroup
// y (+ z * gl_NumWorkGroups.y) is the plane b * channels + c, each invocation 4 consecutive
// pixels of it as one vec4. On lavapipe every storage load and store is a loop over the
// lanes, so one vec4 per lane quarters the x loads and y stores, and the row statistics,
// gamma and beta are read once per 4 pixels (at workgroup-uniform addresses) instead of per
// pixel. Same arithmetic per element as kl_norm_apply.
#include "kl_math.glsl"
#include "kl_act.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
layout(std430, binding = 1) readonly buffer St { vec2 stats[]; };
layout(std430, binding = 2) readonly buffer G { float gam[]; };
layout(std430, binding = 3) readonly buffer B { float bet[]; };
layout(std430, binding = 4) buffer Y { vec4 y[]; };
layout(push_constant) uniform P { uint planes, channels, cpg, spatial4, affine, act; float act_param; } pc;
void main() {
  const uint plane = gl_WorkGroupID.y + gl_WorkGroupID.z * gl_NumWorkGroups.y;
  const uint s = gl_GlobalInvocationID.x;
  if (plane >= pc.planes || s >= pc.spatial4) return;
  const vec2 st = stats[plane / pc.cpg];
  const uint i = plane * pc.spatial4 + s;
  vec4 v = (x[i] - st.x) * st.y;
  if (pc.affine != 0u) {
    const uint c = plane % pc.channels;
    v = v * gam[c] + bet[c];
  }
  if (pc.act != 0u)
    for (int k = 0; k < 4; ++k) v[k] = kl_act(v[k], pc.act, pc.act_param);
  y[i] = v;
}
