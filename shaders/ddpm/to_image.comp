#version 450
// image = clamp(x / 2 + 0.5, 0, 1), as diffusers' DDPM/DDIM pipelines return it.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= pc.n) return;
  y[i] = clamp(x[i] / 2.0 + 0.5, 0.0, 1.0);
}
