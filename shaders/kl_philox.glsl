// Philox4x32-10 (Salmon et al. 2011), as in runtime/include/vkgen/kernels/random.h.
uvec4 kl_philox(uvec4 c, uvec2 k) {
  for (int i = 0; i < 10; i++) {
    uint hi0, lo0, hi1, lo1;
    umulExtended(0xD2511F53u, c.x, hi0, lo0);
    umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
    c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += uvec2(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}
// [0, 1) with 24 bits.
float kl_u01(uint w) { return float(w >> 8) * (1.0 / 16777216.0); }
// (0, 1] with 24 bits (safe for log).
float kl_u01_open0(uint w) { return float((w >> 8) + 1u) * (1.0 / 16777216.0); }
// -ln(u) for u in (0, 1], accurate near 1 where device log is only good to an absolute 2^-21
// (which would turn -ln(u) into 0 or a negative number): a series in v = 1 - u there.
float kl_neg_log(float u) {
  float v = 1.0 - u;
  if (v < 0.0625)
    return v * (1.0 + v * (0.5 + v * (0.33333333 + v * (0.25 + v * (0.2 + v * (0.16666667 + v * 0.14285714))))));
  return -log(u);
}
