import type { FeatureBlock } from './apply-transform';

export interface FeatureStatistics {
  name: string;
  mean: number;
  /** Population standard deviation. */
  std: number;
}

/** Mean and std of every transformed feature over the given rows, missing values (kept by `keepMissing`) left out (auditors check scaling with these). */
export function featureStatistics(blocks: readonly FeatureBlock[], rows: Uint32Array): FeatureStatistics[] {
  const n = rows.length;
  const stats: FeatureStatistics[] = [];
  for (const block of blocks) {
    if (block.kind === 'dense') {
      let sum = 0;
      let present = 0;
      for (let i = 0; i < n; i++) {
        const value = block.value(rows[i]!);
        if (Number.isNaN(value)) continue;
        sum += value;
        present++;
      }
      const mean = present ? sum / present : 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const value = block.value(rows[i]!);
        if (Number.isNaN(value)) continue;
        squares += (value - mean) * (value - mean);
      }
      stats.push({ name: block.names[0], mean, std: present ? Math.sqrt(squares / present) : 0 });
      continue;
    }
    const counts = new Float64Array(block.names.length);
    for (let i = 0; i < n; i++) {
      const code = block.codes[rows[i]!]!;
      if (code >= 0) counts[code]!++;
    }
    block.names.forEach((name, code) => {
      const p = n ? counts[code]! / n : 0;
      stats.push({ name, mean: p, std: Math.sqrt(p * (1 - p)) });
    });
  }
  return stats;
}
