import { createReadStream } from 'node:fs';
import { StageIOError } from '@reproml/core';

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
  if (params.format === 'jsonl') {
    try {
      return Object.keys(JSON.parse(first) as Record<string, unknown>);
    } catch {
      return [];
    }
  }
  return splitHeader(first, params.format === 'tsv' ? '\t' : ',');
}

function splitHeader(line: string, delimiter: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') (current += '"'), i++;
      else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) (names.push(current), (current = ''));
    else current += char;
  }
  names.push(current);
  return names;
}
