import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemStorage } from './filesystem-storage';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

async function* failingBody(): AsyncGenerator<Uint8Array> {
  yield Buffer.from('first half of a tar archive');
  throw new Error('client went away');
}

async function readHit(storage: FileSystemStorage, hash: string): Promise<string> {
  const result = await storage.get(hash);
  if (result.status !== 'hit') throw new Error(`expected a hit for ${hash}, got ${result.status}`);
  return text(result.body);
}

describe('FileSystemStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-cache-storage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a record once with its sha256 and serves the same bytes back', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    const put = await storage.put('1234', chunks('hello ', 'cache'));
    expect(put).toMatchObject({ status: 'stored', record: { hash: '1234', size: 11 } });
    expect(put.status === 'stored' && put.record.sha256).toBe(createHash('sha256').update('hello cache').digest('hex'));
    expect(await readHit(storage, '1234')).toBe('hello cache');
    expect(await storage.get('5678')).toEqual({ status: 'miss' });
    expect(storage.stats()).toEqual({ records: 1, bytes: 11, maxBytes: 1 << 20 });
  });

  it('never overwrites a record: a second PUT of the hash is "exists" and the first bytes stay', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await storage.put('1234', chunks('original'));
    expect(await storage.put('1234', chunks('poisoned'))).toEqual({ status: 'exists' });
    expect(await readHit(storage, '1234')).toBe('original');
  });

  it('stores exactly one record when PUTs of one hash race', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    const bodies = Array.from({ length: 8 }, (_, i) => `body number ${i} `.repeat(2000));
    const results = await Promise.all(bodies.map((body) => storage.put('777', chunks(body.slice(0, 5000), body.slice(5000)))));
    expect(results.filter((r) => r.status === 'stored')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'exists')).toHaveLength(7);
    const stored = await readHit(storage, '777');
    expect(bodies).toContain(stored);
    expect(storage.stats().records).toBe(1);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('leaves nothing behind when the body fails half way', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await expect(storage.put('42', failingBody())).rejects.toThrow('client went away');
    expect(await storage.has('42')).toBe(false);
    expect(await storage.get('42')).toEqual({ status: 'miss' });
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('answers a corrupted record as corrupt, quarantines it, and then accepts a fresh upload', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await storage.put('99', chunks('good bytes'));
    writeFileSync(join(dir, 'records', '99', '99', 'body'), 'evil bytes');
    const result = await storage.get('99');
    expect(result.status).toBe('corrupt');
    expect(result.status === 'corrupt' && result.reason).toContain('sha256');
    expect(await storage.get('99')).toEqual({ status: 'miss' });
    const [quarantined] = readdirSync(join(dir, 'quarantine'));
    expect(quarantined).toMatch(/^99\./);
    expect(readFileSync(join(dir, 'quarantine', quarantined!, 'reason.txt'), 'utf8')).toContain('sha256');
    expect(storage.stats().records).toBe(0);
    expect((await storage.put('99', chunks('good bytes'))).status).toBe('stored');
    expect(await readHit(storage, '99')).toBe('good bytes');
  });

  it('treats a truncated body or a missing meta.json as corrupt', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await storage.put('11', chunks('0123456789'));
    await storage.put('12', chunks('0123456789'));
    writeFileSync(join(dir, 'records', '11', '11', 'body'), '01234');
    rmSync(join(dir, 'records', '12', '12', 'meta.json'));
    expect((await storage.get('11')).status).toBe('corrupt');
    expect((await storage.get('12')).status).toBe('corrupt');
  });

  it('keeps every record across a restart, with least-recently-used order from the last access', async () => {
    const first = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    for (const hash of ['a1', 'b2', 'c3']) await first.put(hash, chunks('x'.repeat(100)));
    // Make the access order unambiguous on coarse-mtime file systems: a1 oldest, then c3, then b2.
    const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
    utimesSync(join(dir, 'records', 'a1', 'a1', 'meta.json'), at(1), at(1));
    utimesSync(join(dir, 'records', 'c3', 'c3', 'meta.json'), at(2), at(2));
    utimesSync(join(dir, 'records', 'b2', 'b2', 'meta.json'), at(3), at(3));
    await first.close();

    const second = await FileSystemStorage.open({ dir, maxBytes: 350 });
    expect(second.stats()).toEqual({ records: 3, bytes: 300, maxBytes: 350 });
    const put = await second.put('d4', chunks('y'.repeat(100)));
    expect(put.status === 'stored' && put.evicted).toEqual(['a1']);
    expect(await second.has('a1')).toBe(false);
    for (const hash of ['b2', 'c3', 'd4']) expect(await second.has(hash)).toBe(true);
  });

  it('evicts the least recently used records first: a read refreshes a record', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 300 });
    for (const hash of ['a1', 'b2', 'c3']) await storage.put(hash, chunks('x'.repeat(100)));
    await readHit(storage, 'a1');
    const put = await storage.put('d4', chunks('y'.repeat(150)));
    expect(put.status === 'stored' && put.evicted).toEqual(['b2', 'c3']);
    expect(storage.stats()).toEqual({ records: 2, bytes: 250, maxBytes: 300 });
    expect(existsSync(join(dir, 'records', 'b2', 'b2'))).toBe(false);
    expect(await readHit(storage, 'a1')).toBe('x'.repeat(100));
  });

  it('evicts down to a lowered limit at startup and clears interrupted uploads', async () => {
    const first = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    for (const hash of ['a1', 'b2']) await first.put(hash, chunks('x'.repeat(100)));
    writeFileSync(join(dir, 'tmp', 'half-written-upload'), 'partial');
    const second = await FileSystemStorage.open({ dir, maxBytes: 150 });
    expect(second.stats().records).toBe(1);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('never claims records of a deleted storage folder, reports it, and refuses writes without recreating it', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    for (const hash of ['a1', 'b2']) await storage.put(hash, chunks('x'.repeat(100)));
    rmSync(dir, { recursive: true, force: true });
    expect(await storage.has('a1')).toBe(false);
    expect(await storage.get('b2')).toEqual({ status: 'miss' });
    const health = await storage.health();
    expect(health).toMatchObject({ readable: false, writable: false });
    expect(health.reason).toContain(dir);
    expect(storage.stats()).toMatchObject({ records: 0, bytes: 0 });
    const put = await storage.put('c3', chunks('y'));
    expect(put).toMatchObject({ status: 'not-stored', kind: 'cannot-write' });
    expect(put.status === 'not-stored' && put.reason).toContain('ENOENT');
    // A vanished mount must not be silently replaced by a folder on another disk.
    expect(existsSync(dir)).toBe(false);
  });

  it('rebuilds its index when the storage folder is replaced by an empty one, and takes writes again', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    for (const hash of ['a1', 'b2']) await storage.put(hash, chunks('x'.repeat(100)));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    expect(await storage.health()).toEqual({ readable: true, writable: true });
    expect(storage.stats()).toMatchObject({ records: 0, bytes: 0 });
    expect(await storage.put('a1', chunks('fresh'))).toMatchObject({ status: 'stored' });
    expect(await readHit(storage, 'a1')).toBe('fresh');
  });

  it('quarantines only what was read and found invalid, with a reason file, within a size bound', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20, maxQuarantineBytes: 1000 });
    for (const hash of ['q1', 'q2', 'q3']) await storage.put(hash, chunks('z'.repeat(100)));
    writeFileSync(join(dir, 'records', 'q1', 'q1', 'meta.json'), '{ not json');
    expect(await storage.get('q1')).toEqual({ status: 'corrupt', reason: 'meta.json is not JSON' });
    const reason = readFileSync(join(dir, 'quarantine', readdirSync(join(dir, 'quarantine'))[0]!, 'reason.txt'), 'utf8');
    expect(reason).toMatch(/^meta\.json is not JSON\nhash: q1\nquarantined: \d{4}-/);
    for (const hash of ['q2', 'q3']) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      writeFileSync(join(dir, 'records', hash, hash, 'body'), 'w'.repeat(100));
      expect((await storage.get(hash)).status).toBe('corrupt');
    }
    // q1 (~180 bytes with its note), q2 and q3 (~470 bytes each) do not fit 1000 bytes: the oldest went.
    const kept = readdirSync(join(dir, 'quarantine'));
    expect(kept.map((name) => name.split('.')[0]).sort()).toEqual(['q2', 'q3']);
    const bytes = kept.flatMap((name) => readdirSync(join(dir, 'quarantine', name)).map((file) => statSync(join(dir, 'quarantine', name, file)).size));
    expect(bytes.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(1000);
  });

  it('refuses hashes that are not a single safe path segment', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await expect(storage.put('../escape', chunks('x'))).rejects.toThrow(TypeError);
    expect(await storage.get('../../etc/passwd')).toEqual({ status: 'miss' });
  });
});
