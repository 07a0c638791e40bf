// Winograd output transform with the conv epilogue: for four consecutive tiles t0 + 4*n4 + q
// (q < 4) and output channel co, Y = AT M A over the WT*WT GEMM results M[p][co][n] (at
// (p*Cout + co)*ncp + n; ncp is a multiple of 4), then y = act((Y + bias[co] + residual) *
// scale) stored at the tile's valid output pixels (bias_nc[b][co], a per-sample bias, added
// right after bias). Workgroup x walks tile quads, y channels.
// Why quads: M is read as RGBA32F texels, one vec4 = the same point of four tiles; on lavapipe
// a texel fetch costs about what one per-lane scalar storage load does, so this reads M with a
// quarter of the loads.
layout(local_size_x = 64) in;
layout(binding = 0) uniform samplerBuffer Mt;
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer Res { float res[]; };
layout(std430, binding = 4) readonly buffer BiasNC { float bias_nc[]; };
layout(push_constant) uniform Push {
  uint Cout, OH, OW, TH, TW, t0, ntot, ncp;
  uint has_bias, has_res, act;
  float scale, act_param;
  uint has_bias_nc;
} p;

void main() {
  const uint n4 = gl_GlobalInvocationID.x, co = gl_WorkGroupID.y;
  uint gt = p.t0 + n4 * 4u;
  if (n4 * 4u >= p.ncp || gt >= p.ntot || co >= p.Cout) return;
  vec4 m[WT * WT];
  const uint pstride4 = p.Cout * p.ncp / 4u;
  const uint o4 = co * (p.ncp / 4u) + n4;
  for (int i = 0; i < WT * WT; ++i) m[i] = texelFetch(Mt, int(o4 + uint(i) * pstride4));
  const float bv = p.has_bias != 0u ? bias[co] : 0.0;
  const uint tpi = p.TH * p.TW;
  uint b = gt / tpi;
  const uint r = gt - b * tpi;
  uint ty = r / p.TW;
  uint tx = r - ty * p.TW;
  for (int q = 0; q < 4; ++q) {
    if (gt >= p.ntot) break;
    // t = AT m ([WM][WT]), Y = t A ([WM][WM])
    float t[WM * WT];
    for (int i = 0; i < WM; ++i)
      for (int j = 0; j < WT; ++j) {
        float s = 0.0;
        for (int k = 0; k < WT; ++k) s += AT[i * WT + k] * m[k * WT + j][q];
        t[i * WT + j] = s;
      }
    const uint oh0 = ty * uint(WM), ow0 = tx * uint(WM);
    const uint plane = (b * p.Cout + co) * p.OH;
    const float bnc = p.has_bias_nc != 0u ? bias_nc[b * p.Cout + co] : 0.0;
    for (int i = 0; i < WM; ++i) {
      const uint oh = oh0 + uint(i);
      if (oh >= p.OH) break;
      for (int j = 0; j < WM; ++j) {
        const uint ow = ow0 + uint(j);
        if (ow >= p.OW) break;
        float s = 0.0;
        for (int k = 0; k < WT; ++k) s += t[i * WT + k] * AT[j * WT + k];
        const uint idx = (plane + oh) * p.OW + ow;
        float val = s + bv;
        if (p.has_bias_nc != 0u) val += bnc;
        if (p.has_res != 0u) val += res[idx];
        val *= p.scale;
        y[idx] = p.act != 0u ? kl_act(val, p.act, p.act_param) : val;
      }
    }
    // next tile: tx, then ty, then the image
    ++gt;
    if (++tx == p.TW) {
      tx = 0u;
      if (++ty == p.TH) {
        ty = 0u;
        ++b;
      }
    }
  }
}
