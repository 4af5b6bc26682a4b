/**
 * Deterministic JSON: object keys sorted, two-space indent, trailing newline.
 * Numbers use JavaScript's shortest round-trip form, which is stable across runs and
 * platforms; non-finite numbers are refused because JSON cannot hold them.
 */
export function stableStringify(value: unknown): string {
  return `${JSON.stringify(sortKeys(value, '$'), null, 2)}\n`;
}

function sortKeys(value: unknown, path: string): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TypeError(`Cannot write ${value} at ${path} as JSON: replace it with null or a finite number`);
  }
  if (Array.isArray(value)) return value.map((item, index) => sortKeys(item, `${path}[${index}]`));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item, `${path}.${key}`);
    }
    return sorted;
  }
  return value;
}
