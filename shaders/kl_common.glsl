// Shared by the kernel-library shaders (not gemm/conv): 1-D invocation index over a 2-D
// grid of 64-wide workgroups (see runtime/src/kernels/klib_internal.h).
layout(local_size_x = 64) in;
uint kl_index() { return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u; }
