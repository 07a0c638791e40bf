// Pointwise activation by number (vkg_act in kernels/activation.h); shared by the activation
// kernel and the kernels that fuse an activation into their store (norm apply, conv epilogues).
// Needs kl_math.glsl (kl_erfc) included first.
float kl_sigm(float v) { return 1.0 / (1.0 + exp(-v)); }
float kl_act(float v, uint act, float param) {
  switch (act) {
    case 1u: return max(v, 0.0);
    case 2u: return v >= 0.0 ? v : v * param;
    case 3u: return v * kl_sigm(v);
    case 4u: // 0.5 v erfc(-v / sqrt 2): no cancellation for negative v
      return 0.5 * v * kl_erfc(-v * 0.70710678118654752);
    case 5u: { // 0.5 v (1 + tanh(u)) = v * sigmoid(2u)
      float u = 0.79788456080286536 * (v + 0.044715 * v * v * v);
      return v * kl_sigm(2.0 * u);
    }
    case 6u: {
      float e = exp(-2.0 * abs(v));
      return sign(v) * (1.0 - e) / (1.0 + e);
    }
    case 7u: return kl_sigm(v);
    default: return v;
  }
}
