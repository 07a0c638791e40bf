#version 450
// One DDPM/DDIM scheduler step, fused (coefficients from the host, in diffusers' order):
//   x0 = (a*x + b*e) / d; x0 = clamp(x0, -clip, clip) when clip > 0
//   eps = e0*e + e1*x
//   x' = c0*x0 + c1*x + c2*eps + s*noise      (written in place over x)
// s = c3, or with learned (DDPM learned_range) exp(0.5 * (f*max_log + (1 - f)*min_log)), f = (v + 1) / 2.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer E { float e[]; };
layout(std430, binding = 2) readonly buffer N { float noise[]; };
layout(std430, binding = 3) readonly buffer V { float v[]; };
layout(push_constant) uniform P {
  float a, b, d, e0, e1, c0, c1, c2, c3, clip;
  uint n, use_noise, learned;
  float min_log, max_log;
} pc;
void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= pc.n) return;
  precise float xv = x[i];
  precise float ev = e[i];
  precise float x0 = (pc.a * xv + pc.b * ev) / pc.d;
  if (pc.clip > 0.0) x0 = clamp(x0, -pc.clip, pc.clip);
  precise float eps = pc.e0 * ev + pc.e1 * xv;
  precise float r = pc.c0 * x0 + pc.c1 * xv + pc.c2 * eps;
  if (pc.use_noise != 0u) {
    precise float s = pc.c3;
    if (pc.learned != 0u) {
      precise float f = (v[i] + 1.0) / 2.0;
      s = exp(0.5 * (f * pc.max_log + (1.0 - f) * pc.min_log));
    }
    r = r + s * noise[i];
  }
  x[i] = r;
}
