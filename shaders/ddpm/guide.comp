#version 450
// Classifier-free guidance on a model output o [N, cout, H, W] (DiTPipeline): channels [c0, c0 + c) of
//   guided: uncond + scale * (cond - uncond), cond = sample b, uncond = sample B + b (N = 2B)
//   else:   cond (a copy of those channels)
// into y [B, c, H, W].
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer O { float o[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint n, c, hw, cout, c0, half_, guided;
  float scale;
} pc;
void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= pc.n) return;
  uint p = i % pc.hw, ch = (i / pc.hw) % pc.c, b = i / (pc.hw * pc.c);
  uint src = (b * pc.cout + pc.c0 + ch) * pc.hw + p;
  precise float cond = o[src];
  if (pc.guided != 0u) {
    precise float unc = o[src + pc.half_];
    cond = unc + pc.scale * (cond - unc);
  }
  y[i] = cond;
}
