#version 450
#extension GL_GOOGLE_include_directive : enable
// avg (mode 0: count_include_pad, 1: exclude) and max (mode 2, padding = -inf) pooling,
// row-blocked: one invocation computes P = 4 neighbouring outputs of a row, loading the
// (P - 1) * SW + KW input values their windows cover once per window row (kl_pool2d.comp loads
// P * KW, each a per-lane load on lavapipe) and dividing its index once for the 4 outputs. KW
// and SW are specialization constants, so the window is registers. Sums in kl_pool2d.comp's
// order (rows, then columns; out-of-image taps skipped), so results are bitwise the same.
#include "kl_common.glsl"
layout(constant_id = 0) const int KW = 3;
layout(constant_id = 1) const int SW = 1;
const int P = 4;
const int L = (P - 1) * SW + KW;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
// n: invocations (planes * oh * owb), owb = ceil(ow / P)
layout(push_constant) uniform Pc { uint n, h, w, oh, ow, owb, kh, sh, ph, pw, mode; } pc;
void main() {
  const uint i = kl_index();
  if (i >= pc.n) return;
  const uint rows = pc.oh * pc.owb;
  const uint nc = i / rows;
  const uint r = i - nc * rows;
  const uint oy = r / pc.owb;
  const uint ox0 = (r - oy * pc.owb) * uint(P);
  const int y0 = int(oy * pc.sh) - int(pc.ph), x0 = int(ox0) * SW - int(pc.pw);
  const int y1 = min(y0 + int(pc.kh), int(pc.h)), ys = max(y0, 0);
  const bool is_max = pc.mode == 2u;
  float acc[P];
  for (int q = 0; q < P; ++q) acc[q] = is_max ? -1.0 / 0.0 : 0.0;
  const uint b = nc * pc.h * pc.w;
  for (int yy = ys; yy < y1; yy++) {
    const uint row = b + uint(yy) * pc.w;
    float v[L];
    for (int j = 0; j < L; ++j) {
      const int xx = x0 + j;
      v[j] = (xx >= 0 && xx < int(pc.w)) ? x[row + uint(xx)] : 0.0;
    }
    for (int q = 0; q < P; ++q)
      for (int kx = 0; kx < KW; ++kx) {
        const int xx = x0 + q * SW + kx;
        if (xx >= 0 && xx < int(pc.w)) acc[q] = is_max ? max(acc[q], v[q * SW + kx]) : acc[q] + v[q * SW + kx];
      }
  }
  for (int q = 0; q < P; ++q) {
    const uint ox = ox0 + uint(q);
    if (ox >= pc.ow) break;
    const int xs = max(x0 + q * SW, 0), x1 = min(x0 + q * SW + KW, int(pc.w));
    float a = acc[q];
    if (pc.mode == 0u) a /= float(int(pc.kh) * KW);
    else if (pc.mode == 1u) a /= float(max((y1 - ys) * (x1 - xs), 1));
    y[(nc * pc.oh + oy) * pc.ow + ox] = a;
  }
}
