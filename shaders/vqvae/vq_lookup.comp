#version 450
// Codebook lookup: out[b, d, p] = codebook[idx[b, p], d] (NCHW, p = y * W + x), one
// invocation per index. An index outside [0, K) must never read out of bounds: it is clamped
// to the nearest valid code and counted in flag[0], with the lowest offending flat position
// in flag[1] (atomicMin), so the host can report it after one small readback.
// Indices are i32 (wide = 0) or i64 (wide = 1, read as little-endian word pairs; a negative
// or > 2^32 value has a non-zero high word).
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer I { uint idx[]; };
layout(std430, binding = 1) readonly buffer C { float cb[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(std430, binding = 3) buffer F { uint flag[]; };
layout(push_constant) uniform P { uint n, hw, d, k, wide; } pc;
void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= pc.n) return;
  uint code;
  bool bad;
  if (pc.wide != 0u) {
    uint lo = idx[2u * i], hi = idx[2u * i + 1u];
    bool neg = (hi & 0x80000000u) != 0u;
    bad = hi != 0u || lo >= pc.k;
    code = neg ? 0u : (hi != 0u ? pc.k - 1u : min(lo, pc.k - 1u));
  } else {
    int v = int(idx[i]);
    bad = v < 0 || uint(v) >= pc.k;
    code = v < 0 ? 0u : min(uint(v), pc.k - 1u);
  }
  if (bad) {
    atomicAdd(flag[0], 1u);
    atomicMin(flag[1], i);
  }
  uint b = i / pc.hw, p = i % pc.hw;
  uint base = b * pc.d * pc.hw + p;
  for (uint t = 0u; t < pc.d; t++) o[base + t * pc.hw] = cb[code * pc.d + t];
}
