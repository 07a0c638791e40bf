#version 450
#extension GL_GOOGLE_include_directive : enable
// upfirdn2d (StyleGAN2): zero-insertion upsampling by up, zero padding (x0, y0 before; negative
// crops), FIR filter f [fh, fw] as a true convolution (flipped) times gain, keep every down-th.
// One invocation per output element of y [N*C, OH, OW].
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer F { float f[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint n, h, w, oh, ow, fh, fw, up, down;
  int px0, py0;
  float gain;
} pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint ox = i % pc.ow, oy = (i / pc.ow) % pc.oh, p = i / (pc.ow * pc.oh);
  int uh = int(pc.h * pc.up), uw = int(pc.w * pc.up);
  float acc = 0.0;
  for (uint a = 0u; a < pc.fh; a++) {
    int r = int(oy * pc.down + a) - pc.py0;  // row in the upsampled (unpadded) image
    if (r < 0 || r >= uh || (r % int(pc.up)) != 0) continue;
    uint xr = (p * pc.h + uint(r) / pc.up) * pc.w;
    for (uint b = 0u; b < pc.fw; b++) {
      int s = int(ox * pc.down + b) - pc.px0;
      if (s < 0 || s >= uw || (s % int(pc.up)) != 0) continue;
      acc += x[xr + uint(s) / pc.up] * f[(pc.fh - 1u - a) * pc.fw + (pc.fw - 1u - b)];
    }
  }
  y[i] = acc * pc.gain;
}
