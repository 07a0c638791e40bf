#version 450
#extension GL_GOOGLE_include_directive : enable
// softmax: exp(x - max) * (1 / sum); log_softmax: (x - max) - log(sum).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer St { vec2 stats[]; };
layout(std430, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, len, logsm; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  vec2 st = stats[i / pc.len];
  float d = x[i] - st.x;
  y[i] = pc.logsm != 0u ? d - st.y : exp(d) * st.y;
}
