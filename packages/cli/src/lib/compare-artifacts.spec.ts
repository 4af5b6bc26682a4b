import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareFiles } from './compare-artifacts';

function pair(name: string, a: string | Buffer, b: string | Buffer): [string, string] {
  const dir = mkdtempSync(join(tmpdir(), 'compare-'));
  writeFileSync(join(dir, `a-${name}`), a);
  writeFileSync(join(dir, `b-${name}`), b);
  return [join(dir, `a-${name}`), join(dir, `b-${name}`)];
}

describe('compareFiles', () => {
  it('calls byte-equal files identical', () => {
    expect(compareFiles('m.json', ...pair('m.json', '{"a":1}', '{"a":1}'))).toEqual({ path: 'm.json', status: 'identical' });
  });

  it('reports the largest numeric difference in JSON, and text differences apart', () => {
    const result = compareFiles('m.json', ...pair('m.json', '{"a":[1,2.5],"b":"x"}', '{"a":[1,2.5001],"b":"y"}'));
    expect(result).toMatchObject({ status: 'different', nonNumericDifferences: true });
    expect((result as { maxNumericDifference: number }).maxNumericDifference).toBeCloseTo(1e-4, 10);
  });

  it('compares CSV cells by value', () => {
    const result = compareFiles('t.csv', ...pair('t.csv', 'x,y\n1,0.25\n', 'x,y\n1,0.5\n'));
    expect(result).toMatchObject({ status: 'different', maxNumericDifference: 0.25, nonNumericDifferences: false });
  });

  it('counts differing bytes of binary files', () => {
    const result = compareFiles('model.onnx', ...pair('model.onnx', Buffer.from([1, 2, 3]), Buffer.from([1, 9, 3])));
    expect(result).toMatchObject({ status: 'different', detail: '1 byte(s) differ (3 B)' });
  });
});
