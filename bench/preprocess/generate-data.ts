import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SeededRandom } from '../../packages/core/src';

export interface GenerateDataParams {
  path: string;
  rows: number;
  seed: number;
}

export const NUMERIC_COLUMNS = Array.from({ length: 8 }, (_, i) => `num_${i}`);
export const CATEGORICAL_COLUMNS = ['cat_a', 'cat_b', 'cat_c'];
const LEVELS = [5, 10, 20];
export const LABEL_COLUMN = 'label';
const MISSING_RATE = 0.05;

/**
 * The benchmark data set: `rows` rows of 8 numeric columns (5% empty cells), 3 categorical
 * columns (5, 10 and 20 levels) and a 3-class label that depends on them, from one seed.
 */
export async function generateData(params: GenerateDataParams): Promise<void> {
  await mkdir(dirname(params.path), { recursive: true });
  const rng = new SeededRandom(params.seed);
  const out = createWriteStream(params.path);
  out.write(`${[...NUMERIC_COLUMNS, ...CATEGORICAL_COLUMNS, LABEL_COLUMN].join(',')}\n`);
  let chunk = '';
  for (let row = 0; row < params.rows; row++) {
    const cells: string[] = [];
    let score = 0;
    for (let c = 0; c < NUMERIC_COLUMNS.length; c++) {
      const value = (c + 1) * 10 + (c + 1) * rng.nextGaussian();
      score += ((c % 2 ? 1 : -1) * (value - (c + 1) * 10)) / (c + 1);
      cells.push(rng.nextFloat() < MISSING_RATE ? '' : value.toFixed(4));
    }
    for (let c = 0; c < CATEGORICAL_COLUMNS.length; c++) {
      const level = rng.nextInt(LEVELS[c]!);
      score += level % 3 === 0 ? 0.5 : 0;
      cells.push(`${CATEGORICAL_COLUMNS[c]}_${level}`);
    }
    cells.push(`class_${score < -1 ? 0 : score < 1.5 ? 1 : 2}`);
    chunk += `${cells.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
