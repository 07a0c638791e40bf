"""FID and Inception Score references.

FID: mseitzer/pytorch-fid src/pytorch_fid/fid_score.py
  statistics: mu = mean(act, axis=0); sigma = np.cov(act, rowvar=False) (unbiased, N-1), float64
  calculate_frechet_distance: covmean = scipy.linalg.sqrtm(sigma1 @ sigma2); if not finite, retry with
  eps * I added to both covariances; a complex result whose diagonal imaginary part is not within
  atol 1e-3 of 0 is an error ("Imaginary component"), else the real part is used;
  fid = |mu1 - mu2|^2 + tr(sigma1) + tr(sigma2) - 2 tr(covmean).

IS: toshas/torch-fidelity metric_isc.py isc_features_to_metric, on logits [N, C], in float64:
  p = softmax(logits), log_p = log_softmax(logits); split k (k = 0..splits-1) is rows
  [k*N//splits, (k+1)*N//splits) IN THE GIVEN ORDER; score_k = exp(mean_rows(sum_c p (log_p - log q_k)))
  with q_k = mean of p over the split; result mean(scores), std(scores) (population std, ddof=0).
  torch-fidelity shuffles rows first by default (samples_shuffle=True: np.random.RandomState(2020)
  .permutation(N)); vkgen does not (a streaming accumulator cannot), so the reference default is
  shuffle=False. torch-fidelity feeds 'logits_unbiased' (fc without bias) of its own Inception port;
  pytorch-fid's FID Inception fc has a bias: which logits are fed is the caller's choice.
"""
import numpy as np
from scipy import linalg


def activation_statistics(act):
    act = np.asarray(act, dtype=np.float64)
    return np.mean(act, axis=0), np.cov(act, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    assert mu1.shape == mu2.shape and sigma1.shape == sigma2.shape
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component {}".format(np.max(np.abs(covmean.imag))))
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_distance_eigh(mu1, sigma1, mu2, sigma2):
    """Same quantity via symmetric eigensolves (what a LAPACK dsyevd-based C port computes):
    tr sqrt(S1 S2) = sum sqrt(max(eig(sqrt(S1) S2 sqrt(S1)), 0))."""
    w, v = np.linalg.eigh(sigma1)
    s1h = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = s1h @ sigma2 @ s1h
    ev = np.linalg.eigvalsh((m + m.T) / 2)
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.sum(np.sqrt(np.clip(ev, 0, None))))


def fid_from_features(a, b, eps=1e-6):
    m1, s1 = activation_statistics(a)
    m2, s2 = activation_statistics(b)
    return frechet_distance(m1, s1, m2, s2, eps)


def inception_score(logits, splits=10, shuffle=False, rng_seed=2020):
    x = np.asarray(logits, dtype=np.float64)
    n = x.shape[0]
    if shuffle:
        x = x[np.random.RandomState(rng_seed).permutation(n), :]
    m = x.max(axis=1, keepdims=True)
    log_p = x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    scores = []
    for i in range(splits):
        lo, hi = i * n // splits, (i + 1) * n // splits
        pc, lpc = p[lo:hi], log_p[lo:hi]
        q = pc.mean(axis=0, keepdims=True)
        kl = (pc * (lpc - np.log(q))).sum(axis=1).mean()
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))
