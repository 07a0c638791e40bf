#version 450
// Writes one pixel of every channel and sample: dst[b][c][pos] = src[b][c], with src [B, C]
// and dst [B, C, HW]. mode 0 copies the 32-bit word (logits, i32 pixels); mode 1 turns an
// i32 pixel into the network input float(pixel) / div (the same expression as ar_to_unit).
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uint dst[]; };

layout(push_constant) uniform Push {
  uint B, C, HW, pos;
  uint mode;
  float div;
} p;

void main() {
  const uint i = gl_GlobalInvocationID.x;
  if (i >= p.B * p.C) return;
  uint v = src[i];
  if (p.mode == 1u) v = floatBitsToUint(float(int(v)) / p.div);
  dst[i * p.HW + p.pos] = v;
}
