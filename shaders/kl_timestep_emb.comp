#version 450
#extension GL_GOOGLE_include_directive : enable
// diffusers get_timestep_embedding; freq[] comes from the host (double, rounded to f32).
#include "kl_common.glsl"
#include "kl_math.glsl"
layout(std430, binding = 0) readonly buffer T { float t[]; };
layout(std430, binding = 1) readonly buffer F { float freq[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, dim, half_dim, flip; float scale; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint row = id / pc.dim, col = id % pc.dim;
  if (col >= 2u * pc.half_dim) { y[id] = 0.0; return; }
  bool second = col >= pc.half_dim;
  uint i = second ? col - pc.half_dim : col;
  precise float ang = t[row] * freq[i];
  ang = pc.scale * ang;
  vec2 sc = kl_sincos(ang);
  bool want_cos = (second != (pc.flip != 0u));
  y[id] = want_cos ? sc.y : sc.x;
}
