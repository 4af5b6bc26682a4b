/** Orders strings by UTF-16 code units: locale-independent, so category orders are the same on every machine. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
