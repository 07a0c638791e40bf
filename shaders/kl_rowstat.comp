#version 450
#extension GL_GOOGLE_include_directive : enable
// Row statistics in chunks (lavapipe stops any invocation after 65535 loop iterations in
// total, so no invocation walks a whole long row). Rows are contiguous runs of len floats,
// split into nch chunks of `chunk`; part[row * nch + c] holds per-chunk values and
// stats[row] the final ones.
//   mode 0: part.x = sum of chunk            (norms, pass 1)
//   mode 1: part.y = sum (x - mean)^2        (norms, pass 2; mean from part.x)
//   mode 2: stats = (mean, 1 / sqrt(var + eps)) per row
//   mode 3: part = (max, sum exp(x - max))   (softmax)
//   mode 4: stats = (max, 1 / sum) per row, or (max, log sum) when logsm != 0
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Pt { vec2 part[]; };
layout(std430, binding = 2) buffer St { vec2 stats[]; };
layout(push_constant) uniform P { uint n, rows, len, chunk, nch, mode, logsm; float eps; } pc;

float row_mean(uint r) {
  float s = 0.0;
  for (uint k = 0u; k < pc.nch; k++) s += part[r * pc.nch + k].x;
  return s / float(pc.len);
}

void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  if (pc.mode == 2u || pc.mode == 4u) {
    uint r = id;
    if (pc.mode == 2u) {
      float v = 0.0;
      for (uint k = 0u; k < pc.nch; k++) v += part[r * pc.nch + k].y;
      stats[r] = vec2(row_mean(r), inversesqrt(v / float(pc.len) + pc.eps));
    } else {
      float m = -1.0 / 0.0, s = 0.0;
      for (uint k = 0u; k < pc.nch; k++) m = max(m, part[r * pc.nch + k].x);
      for (uint k = 0u; k < pc.nch; k++) s += part[r * pc.nch + k].y * exp(part[r * pc.nch + k].x - m);
      stats[r] = vec2(m, pc.logsm != 0u ? log(s) : 1.0 / s);
    }
    return;
  }
  uint r = id / pc.nch, c = id % pc.nch;
  uint b = r * pc.len + c * pc.chunk;
  uint cnt = min(pc.chunk, pc.len - c * pc.chunk);
  uint q = cnt & ~3u;
  if (pc.mode == 0u) {
    float s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (uint i = 0u; i < q; i += 4u) {
      s0 += x[b + i]; s1 += x[b + i + 1u]; s2 += x[b + i + 2u]; s3 += x[b + i + 3u];
    }
    for (uint i = q; i < cnt; i++) s0 += x[b + i];
    part[id].x = (s0 + s1) + (s2 + s3);
  } else if (pc.mode == 1u) {
    float mean = row_mean(r);
    float s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (uint i = 0u; i < q; i += 4u) {
      float d0 = x[b + i] - mean, d1 = x[b + i + 1u] - mean, d2 = x[b + i + 2u] - mean, d3 = x[b + i + 3u] - mean;
      s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    }
    for (uint i = q; i < cnt; i++) { float d = x[b + i] - mean; s0 += d * d; }
    part[id].y = (s0 + s1) + (s2 + s3);
  } else {
    float m = -1.0 / 0.0;
    for (uint i = 0u; i < cnt; i++) m = max(m, x[b + i]);
    float s = 0.0;
    for (uint i = 0u; i < cnt; i++) s += exp(x[b + i] - m);
    part[id] = vec2(m, s);
  }
}
