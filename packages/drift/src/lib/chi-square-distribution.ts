/**
 * Survival function of the chi-square distribution, P(X > x) with `degrees` degrees of
 * freedom: the regularized upper incomplete gamma Q(k/2, x/2) (series below a + 1,
 * Lentz continued fraction above, as in Numerical Recipes §6.2).
 */
export function chiSquareSurvival(x: number, degrees: number): number {
  if (!(degrees > 0)) throw new TypeError(`degrees of freedom should be positive, got ${degrees}`);
  if (!(x > 0)) return 1;
  return regularizedUpperGamma(degrees / 2, x / 2);
}

const ITERATIONS = 500;
const TOLERANCE = 1e-15;
const TINY = 1e-300;

function regularizedUpperGamma(a: number, x: number): number {
  if (x < a + 1) return 1 - lowerSeries(a, x);
  return upperContinuedFraction(a, x);
}

function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let total = term;
  for (let k = 1; k < ITERATIONS; k++) {
    term *= x / (a + k);
    total += term;
    if (Math.abs(term) < Math.abs(total) * TOLERANCE) break;
  }
  return total * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < TOLERANCE) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const shifted = z - 1;
  let series = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) series += coefficients[i]! / (shifted + i);
  const t = shifted + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}
