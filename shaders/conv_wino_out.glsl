// Winograd output transform with the conv epilogue: for tile t0 + n and output channel co,
// Y = AT M A over the WT*WT GEMM results M[p][co][n] (at (p*Cout + co)*ncp + n), then
// y = act((Y + bias[co] + residual) * scale) stored at the tile's valid output pixels.
// One invocation per (tile, channel): workgroup x walks tiles, y channels.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Mb { float mres[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer Res { float res[]; };
layout(push_constant) uniform Push {
  uint Cout, OH, OW, TH, TW, t0, ntot, ncp;
  uint has_bias, has_res, act;
  float scale, act_param;
} p;

void main() {
  const uint n = gl_GlobalInvocationID.x, co = gl_WorkGroupID.y;
  const uint gt = p.t0 + n;
  if (gt >= p.ntot || co >= p.Cout) return;
  const uint tpi = p.TH * p.TW;
  const uint b = gt / tpi;
  const uint r = gt - b * tpi;
  const uint ty = r / p.TW;
  const uint tx = r - ty * p.TW;
  float m[WT * WT];
  const uint pstride = p.Cout * p.ncp;
  uint o = co * p.ncp + n;
  for (int i = 0; i < WT * WT; ++i) m[i] = mres[o + uint(i) * pstride];
  // t = AT m ([WM][WT]), Y = t A ([WM][WM])
  float t[WM * WT];
  for (int i = 0; i < WM; ++i)
    for (int j = 0; j < WT; ++j) {
      float s = 0.0;
      for (int k = 0; k < WT; ++k) s += AT[i * WT + k] * m[k * WT + j];
      t[i * WT + j] = s;
    }
  const float bv = p.has_bias != 0u ? bias[co] : 0.0;
  const uint oh0 = ty * uint(WM), ow0 = tx * uint(WM);
  const uint plane = (b * p.Cout + co) * p.OH;
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
      if (p.has_res != 0u) val += res[idx];
      val *= p.scale;
      y[idx] = p.act != 0u ? kl_act(val, p.act, p.act_param) : val;
    }
  }
}
