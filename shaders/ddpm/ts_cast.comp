#version 450
// Timesteps (f32 or i64, one per sample or one for all) -> f32 [B]. i64 values are read as
// their low word (timesteps are far below 2^31), so no int64 shader feature is needed.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer T { uint t[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, broadcast, is_i64; } pc;
void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= pc.n) return;
  uint j = pc.broadcast != 0u ? 0u : i;
  y[i] = pc.is_i64 != 0u ? float(int(t[2u * j])) : uintBitsToFloat(t[j]);
}
