import { createReadStream } from 'node:fs';
import { DataError, StageIOError } from '@reproml/core';
import { splitHeader } from '@reproml/data';

/**
 * Column names of a CSV/TSV (its header) or a JSONL file (keys of its first record), read
 * from the first bytes only: predict checks them against the model before streaming rows.
 */
export async function readFirstRecordColumns(params: { path: string; file: string; format: 'csv' | 'tsv' | 'jsonl' }): Promise<string[]> {
  let head = '';
  try {
    for await (const chunk of createReadStream(params.path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
      head += chunk as string;
      if (head.includes('\n')) break;
    }
  } catch (error) {
    throw new StageIOError(`cannot read ${params.file}: ${(error as Error).message}`, { file: params.file, cause: error });
  }
  const first = (head.split('\n')[0] ?? '').replace(/\r$/, '').replace(/^\uFEFF/, '');
  if (head.replace(/^\uFEFF/, '').trim() === '') {
    throw new DataError(`${params.file} is empty: expected ${params.format === 'jsonl' ? 'one JSON record per line' : 'a header line'}`, {
      file: params.file,
      hint: 'Check that the data path points at the right file (an upstream stage may have written nothing).',
    });
  }
  if (params.format === 'jsonl') {
    try {
      return Object.keys(JSON.parse(first) as Record<string, unknown>);
    } catch {
      return [];
    }
  }
  const names = splitHeader(first, params.format === 'tsv' ? '\t' : ',');
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) {
    throw new DataError(
      `${params.file}: column '${twice}' appears twice in the header (columns ${names.indexOf(twice) + 1} and ${names.lastIndexOf(twice) + 1})`,
      {
        file: params.file,
        field: twice,
        hint: 'Rename one of the two columns.',
      },
    );
  }
  return names;
}
