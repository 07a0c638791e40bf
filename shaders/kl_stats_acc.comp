#version 450
#extension GL_GOOGLE_include_directive : enable
// Adds a batch x [N, D] into compensated accumulators (value, compensation) pairs:
// invocations 0 .. D*D-1 own outer[i][j], D*D .. D*D+D-1 own sum[i]. Each product's rounding
// error is recovered exactly with Dekker's TwoProduct (Veltkamp splitting, no fma: some
// devices, lavapipe among them, evaluate fma unfused) and carried in the compensation.
#include "kl_common.glsl"
#include "kl_math.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer S { vec2 acc_sum[]; };
layout(std430, binding = 2) buffer O { vec2 acc_outer[]; };
layout(push_constant) uniform P { uint total, n, d, row0; } pc;
// Kahan-Babuska (Neumaier) add of v into (s, c).
void kb_add(inout float s, inout float c, float v) {
  precise float t = s + v;
  precise float e = abs(s) >= abs(v) ? (s - t) + v : (v - t) + s;
  s = t;
  c += e;
}
void main() {
  uint id = kl_index();
  if (id >= pc.total) return;
  uint dd = pc.d * pc.d;
  bool is_sum = id >= dd;
  uint i = is_sum ? id - dd : id / pc.d, j = is_sum ? 0u : id % pc.d;
  vec2 a = is_sum ? acc_sum[i] : acc_outer[id];
  float s = a.x, c = a.y;
  for (uint r = pc.row0; r < pc.row0 + pc.n; r++) {  // <= 16384 rows per dispatch (loop limit)
    float xi = x[r * pc.d + i];
    if (is_sum) {
      kb_add(s, c, xi);
    } else {
      float xj = x[r * pc.d + j];
      precise float p = xi * xj;
      float pe = kl_two_prod_err(xi, xj, p);
      kb_add(s, c, p);
      c += pe;
    }
  }
  // renormalise so the compensation stays small relative to the value
  precise float t = s + c;
  precise float nc = c - (t - s);
  if (is_sum) acc_sum[i] = vec2(t, nc); else acc_outer[id] = vec2(t, nc);
}
