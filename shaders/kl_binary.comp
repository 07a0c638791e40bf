#version 450
#extension GL_GOOGLE_include_directive : enable
// y = a OP b with broadcasting: shapes padded to 6 dims, broadcast dims have stride 0.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, op; uint shape[6]; uint sa[6]; uint sb[6]; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint rem = i, ia = 0u, ib = 0u;
  for (int d = 5; d >= 0; d--) {
    uint c = rem % pc.shape[d];
    rem /= pc.shape[d];
    ia += c * pc.sa[d];
    ib += c * pc.sb[d];
  }
  float u = a[ia], v = b[ib], r;
  switch (pc.op) {
    case 0u: r = u + v; break;
    case 1u: r = u - v; break;
    case 2u: r = u * v; break;
    case 3u: r = u / v; break;
    case 4u: r = max(u, v); break;
    default: r = min(u, v); break;
  }
  y[i] = r;
}
