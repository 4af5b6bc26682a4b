import { describe, expect, it } from 'vitest';
import { splitHeader } from './split-header';

describe('splitHeader', () => {
  it('splits on the delimiter outside quotes and unescapes doubled quotes', () => {
    expect(splitHeader('id,"a, b","say ""hi""",', ',')).toEqual(['id', 'a, b', 'say "hi"', '']);
    expect(splitHeader('x\t"y\tz"', '\t')).toEqual(['x', 'y\tz']);
  });
});
