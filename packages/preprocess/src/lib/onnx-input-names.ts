/**
 * ONNX input names for raw columns: lowercase letters, digits and `_` (so they read well
 * in any runtime's API), unique, in column order. "Beak Length (mm)" → "beak_length_mm".
 */
export function onnxInputNames(columnNames: readonly string[]): string[] {
  const used = new Set<string>();
  return columnNames.map((name) => {
    let base = name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
    if (!base) base = 'column';
    if (/^[0-9]/.test(base)) base = `c_${base}`;
    let candidate = base;
    for (let n = 2; used.has(candidate); n++) candidate = `${base}_${n}`;
    used.add(candidate);
    return candidate;
  });
}
