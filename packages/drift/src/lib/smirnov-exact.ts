/**
 * Exact P(D ≥ d) for the two-sample Kolmogorov–Smirnov statistic of samples of sizes m and n
 * from the same continuous distribution, by counting monotone lattice paths from (0, 0) to
 * (m, n) that stay strictly inside |i/m − j/n| < d (R's `psmirnov`, scipy's `method="exact"`).
 *
 * `scaledStatistic` is d·m·n, an integer (D is always a multiple of 1/(m·n)), so the band test
 * is exact integer arithmetic. Each cell holds paths(i, j) / C(i + j, i), which stays in
 * [0, 1] and never overflows. O(m·n) time, O(n) memory.
 */
export function smirnovExactPValue(params: { m: number; n: number; scaledStatistic: number }): number {
  const { m, n, scaledStatistic } = params;
  if (scaledStatistic <= 0) return 1;
  const row = new Float64Array(n + 1);
  for (let i = 0; i <= m; i++) {
    for (let j = 0; j <= n; j++) {
      if (Math.abs(i * n - j * m) >= scaledStatistic) {
        row[j] = 0;
        continue;
      }
      if (i === 0 && j === 0) {
        row[j] = 1;
        continue;
      }
      const fromBelow = i > 0 ? (row[j]! * i) / (i + j) : 0;
      const fromLeft = j > 0 ? (row[j - 1]! * j) / (i + j) : 0;
      row[j] = fromBelow + fromLeft;
    }
  }
  return Math.min(1, Math.max(0, 1 - row[n]!));
}
