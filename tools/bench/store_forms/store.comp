#version 450
// One store form per build (FORM 0: scalar float stores to a std430 float[] SSBO, 1: vec4
// stores to a std430 vec4[] SSBO, 2: imageStore to an rgba32f storage texel buffer). Each
// invocation writes an RM x (RN4*4) block of a row-major M x N matrix like the texel GEMM's C
// store: rows shared by the workgroup, RN4*4 contiguous columns per lane.
layout(local_size_x = 64) in;
layout(constant_id = 0) const int RM = 8;
layout(constant_id = 1) const int RN4 = 2;
#if FORM == 0
layout(std430, binding = 0) writeonly buffer C { float c[]; };
#elif FORM == 1
layout(std430, binding = 0) writeonly buffer C { vec4 c4[]; };
#else
layout(rgba32f, binding = 0) writeonly uniform imageBuffer Ci;
#endif
layout(push_constant) uniform Push { uint M, N; } p;

void main() {
  const uint m0 = gl_WorkGroupID.x * uint(RM);
  const uint nt0 = (gl_WorkGroupID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x) * uint(RN4);
  const uint n4 = p.N / 4u;
  for (int r = 0; r < RM; ++r) {
    const uint m = m0 + uint(r);
    if (m >= p.M) break;
    for (int j = 0; j < RN4; ++j) {
      const uint t = nt0 + uint(j);
      if (t >= n4) continue;
      const vec4 v = vec4(float(m), float(t * 4u), float(t * 4u + 1u), float(t * 4u + 2u));
#if FORM == 0
      for (int e = 0; e < 4; ++e) c[m * p.N + t * 4u + uint(e)] = v[e];
#elif FORM == 1
      c4[m * n4 + t] = v;
#else
      imageStore(Ci, int(m * n4 + t), v);
#endif
    }
  }
}
