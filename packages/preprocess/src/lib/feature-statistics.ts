import type { FeatureBlock } from './apply-transform';

export interface FeatureStatistics {
  name: string;
  mean: number;
  /** Population standard deviation. */
  std: number;
}

/** Mean and std of every transformed feature over the given rows (auditors check scaling with these). */
export function featureStatistics(blocks: readonly FeatureBlock[], rows: Uint32Array): FeatureStatistics[] {
  const n = rows.length;
  const stats: FeatureStatistics[] = [];
  for (const block of blocks) {
    if (block.kind === 'dense') {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += block.values[rows[i]!]!;
      const mean = n ? sum / n : 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const d = block.values[rows[i]!]! - mean;
        squares += d * d;
      }
      stats.push({ name: block.names[0], mean, std: n ? Math.sqrt(squares / n) : 0 });
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
