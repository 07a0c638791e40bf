// Winograd input transform for one chunk of tiles: V[p][ci][n] = (BT d B)[p] for the WT x WT
// input patch d of tile t0 + n and channel ci, p < WT*WT, at (p*Cp + ci)*ncp + n. Tile t of
// the flattened [batch][TH][TW] grid covers output rows ty*WM.., columns tx*WM..; its patch
// starts WM*ty - pt, WM*tx - pl in x (outside reads as zero). Channels Cin..Cp and tiles past
// the end are written as zeros (the GEMM reads the K tail and the column padding).
// Each invocation owns one tile and cb channels (workgroup y): the tile's index arithmetic
// (three integer divisions, which lavapipe runs lane by lane) is paid once per cb channels.
// ups = 1: x is [.., H/2, W/2] and read as its nearest 2x upsample (H, W the upsampled size;
// Upsample2D's interpolate + conv without the upsampled map in memory).
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Src { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float v[]; };
layout(push_constant) uniform Push {
  uint C, H, W, pt, pl, TH, TW, t0, ntot, ncp, Cp, cb, ups;
} p;

void main() {
  const uint n = gl_GlobalInvocationID.x;
  if (n >= p.ncp) return;
  const uint gt = p.t0 + n;
  const bool valid = gt < p.ntot;
  uint b = 0u, ty = 0u, tx = 0u;
  if (valid) {
    const uint tpi = p.TH * p.TW;
    b = gt / tpi;
    const uint r = gt - b * tpi;
    ty = r / p.TW;
    tx = r - ty * p.TW;
  }
  const int ih0 = int(ty * uint(WM)) - int(p.pt), iw0 = int(tx * uint(WM)) - int(p.pl);
  const uint ci0 = gl_WorkGroupID.y * p.cb, ci1 = min(ci0 + p.cb, p.Cp);
  for (uint ci = ci0; ci < ci1; ++ci) {
    float d[WT * WT];
    const bool live = valid && ci < p.C;
    const uint plane = (b * p.C + ci) * (p.H >> p.ups);
    for (int i = 0; i < WT; ++i) {
      const int ih = ih0 + i;
      const bool row_ok = live && ih >= 0 && ih < int(p.H);
      const uint xrow = (plane + (uint(ih) >> p.ups)) * (p.W >> p.ups);
      for (int j = 0; j < WT; ++j) {
        const int iw = iw0 + j;
        d[i * WT + j] = (row_ok && iw >= 0 && iw < int(p.W)) ? x[xrow + (uint(iw) >> p.ups)] : 0.0;
      }
    }
    // t = BT d, then V = t B (B = BT^T)
    float t[WT * WT];
    for (int i = 0; i < WT; ++i)
      for (int j = 0; j < WT; ++j) {
        float s = 0.0;
        for (int k = 0; k < WT; ++k) s += BT[i * WT + k] * d[k * WT + j];
        t[i * WT + j] = s;
      }
    uint o = ci * p.ncp + n;
    const uint pstride = p.Cp * p.ncp;
    for (int i = 0; i < WT; ++i)
      for (int j = 0; j < WT; ++j) {
        float s = 0.0;
        for (int k = 0; k < WT; ++k) s += t[i * WT + k] * BT[j * WT + k];
        v[o + uint(i * WT + j) * pstride] = s;
      }
  }
}
