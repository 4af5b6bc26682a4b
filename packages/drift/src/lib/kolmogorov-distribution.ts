/**
 * Survival function of the Kolmogorov distribution, P(K > λ), the limit of √n·Dₙ (scipy's
 * `kstwobign.sf`, R's `pkstwo`). Two series, each fast where the other is slow: for small
 * λ the theta-function form P(K ≤ λ) = √(2π)/λ · Σ exp(−(2k−1)²π²/(8λ²)), for larger λ
 * the alternating 2 Σ (−1)^(k−1) exp(−2k²λ²).
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1) {
    let cdf = 0;
    for (let k = 1; k <= 100; k++) {
      const term = Math.exp((-((2 * k - 1) ** 2) * Math.PI ** 2) / (8 * lambda * lambda));
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * cdf);
  }
  let survival = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    survival += (k % 2 === 1 ? 2 : -2) * term;
    if (term < 1e-17) break;
  }
  return clamp01(survival);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
