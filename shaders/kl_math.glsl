// Accurate f32 sin/cos for arguments up to ~1e4 (Cody-Waite reduction by pi/2 in three
// parts, then cephes minimax polynomials on [-pi/4, pi/4]); device sin/cos are only
// required to be good to 2^-11 on [-pi, pi] and can be far off for large arguments.
float kl_sin_poly(float x) {
  float z = x * x;
  return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * x + x;
}
float kl_cos_poly(float x) {
  float z = x * x;
  return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
}
// Returns (sin x, cos x).
vec2 kl_sincos(float x) {
  precise float k = floor(x * 0.63661977236758134 + 0.5);
  precise float r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.549789954891882e-8;
  int q = int(k) & 3;
  float s = kl_sin_poly(r), c = kl_cos_poly(r);
  if (q == 0) return vec2(s, c);
  if (q == 1) return vec2(c, -s);
  if (q == 2) return vec2(-s, -c);
  return vec2(-c, s);
}
// erfc with relative error ~1e-7 over the whole line (Numerical Recipes' erfcc).
float kl_erfc(float x) {
  float z = abs(x);
  float t = 1.0 / (1.0 + 0.5 * z);
  float p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  float a = t * exp(-z * z + p);
  return x >= 0.0 ? a : 2.0 - a;
}
// Dekker's exact product error (Veltkamp split, no fma: some devices evaluate fma unfused):
// a * b == p + kl_two_prod_err(a, b, p) exactly when p = a * b rounded.
void kl_split(float a, out float hi, out float lo) {
  precise float c = 4097.0 * a;
  precise float h = c - (c - a);
  hi = h;
  lo = a - h;
}
float kl_two_prod_err(float a, float b, float p) {
  float ah, al, bh, bl;
  kl_split(a, ah, al);
  kl_split(b, bh, bl);
  precise float e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return e;
}
