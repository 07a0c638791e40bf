#version 450
#extension GL_GOOGLE_include_directive : enable
// Generic strided copy of 32-bit words (concat / slice / permute): output coordinate c over
// shape[7] maps to src[in_off + sum c*in_stride] -> dst[out_off + sum c*out_stride].
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { uint x[]; };
layout(std430, binding = 1) buffer Y { uint y[]; };
layout(push_constant) uniform P { uint n, in_off, out_off; uint shape[7]; uint si[7]; uint so[7]; uint first; } pc;
// The host drops axes of size 1 and merges axes that step as one (first: the outermost axis
// left), so a channel concat of NCHW costs one division per element, not seven.
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint rem = i, ii = pc.in_off, io = pc.out_off;
  for (int d = 6; d > int(pc.first); d--) {
    uint c = rem % pc.shape[d];
    rem /= pc.shape[d];
    ii += c * pc.si[d];
    io += c * pc.so[d];
  }
  if (pc.first < 7u) { // the outermost axis: rem < its size already
    ii += rem * pc.si[pc.first];
    io += rem * pc.so[pc.first];
  }
  y[io] = x[ii];
}
