#version 450
// PixelCNN input: dst[i] = float(pixel[i]) / div for pixels stored as f32 (kind 0), i32 (1),
// i64 (2, the low word: values are 0..255) or u8 (3, four per word, little endian).
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
  uint n;
  uint kind;
  float div;
  uint gx;  // workgroups along x (the grid is 2-D for large tensors)
} p;

void main() {
  const uint i = (gl_WorkGroupID.y * p.gx + gl_WorkGroupID.x) * 64u + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  float v;
  if (p.kind == 0u) v = uintBitsToFloat(src[i]);
  else if (p.kind == 1u) v = float(int(src[i]));
  else if (p.kind == 2u) v = float(int(src[2u * i]));
  else v = float((src[i >> 2u] >> ((i & 3u) * 8u)) & 255u);
  dst[i] = v / p.div;
}
