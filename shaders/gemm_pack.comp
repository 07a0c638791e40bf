#version 450
// Copies a strided matrix into a dense zero-padded [rows_p][cols_p] one per z, so the
// texel GEMM can read it as aligned vec4s (transposes, K tails, unaligned row strides).
layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
  uint rows, cols, rows_p, cols_p;
  uint in_off, in_zs, in_sr, in_sc;
  uint out_zs;
} p;

void main() {
  const uint c = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y, z = gl_WorkGroupID.z;
  if (c >= p.cols_p || r >= p.rows_p) return;
  float v = 0.0;
  if (r < p.rows && c < p.cols) v = src[p.in_off + z * p.in_zs + r * p.in_sr + c * p.in_sc];
  dst[z * p.out_zs + r * p.cols_p + c] = v;
}
