#version 450
#extension GL_GOOGLE_include_directive : enable
#extension GL_EXT_control_flow_attributes : enable
// PixelCNN, incremental ("cache" mode): pixels c0 .. c1-1 of row r, each through every masked
// layer, the 1x1 head and (sample mode) the draw and the write, in one dispatch.
//
// Why only one position per layer and pixel. With causal masks a masked layer's output at
// (R, C) reads its input at rows R-pad .. R-1 (any column) and on row R the columns up to
// C (mask B; up to C-1 for mask A). In raster order, every one of those positions has been
// computed at an earlier pixel (or, on row R column C, by the layer before at this pixel),
// with inputs that were already final then. So computing each layer at (r, c) alone, keeping
// every layer's whole map in `hid`, gives the full network's values at (r, c): the same taps
// in the same order as ar_conv.comp (bias, then ci, rows, columns; taps outside the image
// skipped), minus the centre-row taps right of what the masks keep (zero weights; the host
// checks, pixelcnn.c). Fast PixelCNN generation (Ramachandran et al. 2017) caches the same way.
//
// One invocation per sample b (lanes = samples): the weights are read at addresses uniform
// across the subgroup, accumulated for 8 output channels at once (register blocking), and
// no invocation waits for another, so there are no barriers. The kernel's rows and columns
// are specialization constants, so the tap loops unroll (bounds become per-tap guards that
// are uniform across the subgroup, no division).
//
// lavapipe (gallivm) ends any invocation's loops after 65535 loop iterations in total (its
// loop limiter): the host sizes c1 - c0 so a dispatch stays well under that (cache.c).
//
// mode 0 (sample): logits -> Gumbel-max with the Philox keying of kl_categorical.comp (same
// expression, so the same draws as vkg_categorical), pixel written to pix (i32) and x (f32,
// pixel / div as ar_put.comp). mode 1 (logits): teacher forcing, x is the given image and the
// logits go to out [B, levels, H, W].
#include "../kl_philox.glsl"
layout(local_size_x = 8) in;
layout(constant_id = 0) const uint K = 7;   // kernel columns
layout(constant_id = 1) const uint KH = 4;  // kernel rows kept (k / 2 + 1)

layout(std430, binding = 0) buffer X { float x[]; };              // [B, cin, H, W]
layout(std430, binding = 1) buffer Hid { float hid[]; };          // [L, B, C, H, W]
layout(std430, binding = 2) readonly buffer Wt { vec4 w4[]; };    // per layer [cin, KH, K, Cp]
layout(std430, binding = 3) readonly buffer Bs { vec4 b4[]; };    // [L, Cp]
layout(std430, binding = 4) readonly buffer Hw { vec4 hw4[]; };   // [C, levelsP]
layout(std430, binding = 5) readonly buffer Hb { vec4 hb4[]; };   // [levelsP]
layout(std430, binding = 6) writeonly buffer Out { uint o[]; };   // mode 0: i32 [B, 1, H, W]; 1: f32 logits

layout(push_constant) uniform Push {
  uint B, H, W, L, C, Cp, cin, pad, ncc0, ncc, levels, levelsP;
  uint r, c0, c1, mode;
  float inv_t, div;
  uint first_lo, first_hi, seed_lo, seed_hi;
} p;

float best;
uint bi;
uvec4 rnd;

void consider(uint lv, float v, uint b, uint pos) {
  if (lv >= p.levels) return;
  if (p.mode == 1u) {
    o[(b * p.levels + lv) * p.H * p.W + pos] = floatBitsToUint(v);
    return;
  }
  const uint lo = p.first_lo + b, hi = p.first_hi + (lo < b ? 1u : 0u);
  if ((lv & 3u) == 0u) rnd = kl_philox(uvec4(lv >> 2, lo, hi, pos), uvec2(p.seed_lo, p.seed_hi));
  float u = (float(rnd[lv & 3u] >> 9) + 0.5) * (1.0 / 8388608.0);
  v = v * p.inv_t - log(kl_neg_log(u));
  if (v > best || lv == 0u) { best = v; bi = lv; }
}

void main() {
  const uint b = gl_GlobalInvocationID.x;
  if (b >= p.B) return;
  const uint HW = p.H * p.W, pad = p.pad, Cp = p.Cp;
  const int W = int(p.W);
  for (uint c = p.c0; c < p.c1; ++c) {
    const int R = int(p.r), Cc = int(c);
    const uint pos = p.r * p.W + c;
    const uint i0 = uint(max(0, int(pad) - R));  // rows above the image are padding
    const uint j0 = uint(max(0, int(pad) - Cc));
    const uint jend = uint(max(0, min(int(K), W - Cc + int(pad))));  // columns past the image
    uint woff = 0u;                               // this layer's first weight (vec4s)
    for (uint l = 0u; l < p.L; ++l) {
      const uint cin = l == 0u ? p.cin : p.C;
      const uint jc = min(jend, l == 0u ? p.ncc0 : p.ncc);  // centre row: the columns the masks keep
      const uint ibase = l == 0u ? b * cin * HW : ((l - 1u) * p.B + b) * p.C * HW;
      const uint obase = (l * p.B + b) * p.C * HW + pos;
      const uint xpos = uint(R - int(pad)) * p.W + uint(Cc - int(pad));  // tap (0, 0); wraps, only valid taps read
      for (uint cb = 0u; cb < Cp; cb += 8u) {
        vec4 a0 = b4[(l * Cp + cb) / 4u], a1 = b4[(l * Cp + cb) / 4u + 1u];
        for (uint ci = 0u; ci < cin; ++ci) {
          const uint xb = ibase + ci * HW + xpos;
          const uint wb = woff + (ci * KH * K * Cp + cb) / 4u;
          [[unroll]] for (uint i = 0u; i < KH; ++i) {
            if (i < i0) continue;
            const uint j1 = i == KH - 1u ? jc : jend;
            [[unroll]] for (uint j = 0u; j < K; ++j) {
              if (j < j0 || j >= j1) continue;
              const uint xi = xb + i * p.W + j;
              const float v = l == 0u ? x[xi] : hid[xi];
              const uint wj = wb + (i * K + j) * (Cp / 4u);
              a0 += w4[wj] * v;
              a1 += w4[wj + 1u] * v;
            }
          }
        }
        a0 = max(a0, vec4(0.0));
        a1 = max(a1, vec4(0.0));
        [[unroll]] for (uint k = 0u; k < 4u; ++k) {
          if (cb + k < p.C) hid[obase + (cb + k) * HW] = a0[k];
          if (cb + 4u + k < p.C) hid[obase + (cb + 4u + k) * HW] = a1[k];
        }
      }
      woff += cin * KH * K * (Cp / 4u);
    }
    // head (1x1) and the draw, 8 levels at a time, levels in ascending order
    const uint hbase = ((p.L - 1u) * p.B + b) * p.C * HW + pos;
    const uint LP4 = p.levelsP / 4u;
    best = 0.0;
    bi = 0u;
    for (uint lb = 0u; lb < p.levelsP; lb += 8u) {
      vec4 a0 = hb4[lb / 4u], a1 = hb4[lb / 4u + 1u];
      uint ci = 0u;
      for (; ci + 4u <= p.C; ci += 4u) {
        [[unroll]] for (uint k = 0u; k < 4u; ++k) {
          const float v = hid[hbase + (ci + k) * HW];
          const uint wi = (ci + k) * LP4 + lb / 4u;
          a0 += hw4[wi] * v;
          a1 += hw4[wi + 1u] * v;
        }
      }
      for (; ci < p.C; ++ci) {
        const float v = hid[hbase + ci * HW];
        const uint wi = ci * LP4 + lb / 4u;
        a0 += hw4[wi] * v;
        a1 += hw4[wi + 1u] * v;
      }
      consider(lb, a0.x, b, pos);
      consider(lb + 1u, a0.y, b, pos);
      consider(lb + 2u, a0.z, b, pos);
      consider(lb + 3u, a0.w, b, pos);
      consider(lb + 4u, a1.x, b, pos);
      consider(lb + 5u, a1.y, b, pos);
      consider(lb + 6u, a1.z, b, pos);
      consider(lb + 7u, a1.w, b, pos);
    }
    if (p.mode == 0u) {
      o[b * HW + pos] = bi;
      x[b * HW + pos] = float(int(bi)) / p.div;
    }
  }
}
