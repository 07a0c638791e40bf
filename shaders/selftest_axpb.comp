// Self-test kernel of the runtime (tests/unit/test_gpu_*.c): y[i] = x[i] * a + b + K.
// x is read through an RGBA32F texel buffer, y is a storage buffer, (n, a, b) are push
// constants and K is specialization constant 0.
#version 450
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint K = 0;
layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; float a; float b; } p;

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u;
  if (i >= p.n) return;
  vec4 v = texelFetch(x, int(i >> 2));
  y[i] = v[i & 3u] * p.a + p.b + float(K);
}
