// y = x * factor over n floats. Bindings and push constants follow vkgen's kernel contract
// (gpu.h): set 0, bindings 0..n-1 (storage buffers here), one push-constant block.
#version 450
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Src { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float y[]; };
layout(push_constant) uniform Push {
  uint n;
  uint row;   // invocations per grid row (groups_x * 64), for grids taller than one row
  float factor;
} p;

void main() {
  uint i = gl_GlobalInvocationID.y * p.row + gl_GlobalInvocationID.x;
  if (i < p.n) y[i] = x[i] * p.factor;
}
