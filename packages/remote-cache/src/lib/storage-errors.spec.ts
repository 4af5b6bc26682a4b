import { describe, expect, it } from 'vitest';
import { classifyStorageError, StorageFailureError, storageFailure } from './storage-errors';

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('classifyStorageError', () => {
  it('reads a full, read-only or vanished storage as "cannot write"', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EFBIG', 'ENOENT', 'ENOTDIR']) {
      expect(classifyStorageError(errno(code)), code).toBe('cannot-write');
    }
  });

  it('reads a machine under stress as "unavailable", never as a damaged record', () => {
    for (const code of ['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'ENOMEM', 'ESTALE', 'ENXIO', 'ESOMETHINGNEW']) {
      expect(classifyStorageError(errno(code)), code).toBe('unavailable');
    }
  });

  it('leaves errors that are not file-system errors alone (a client that went away, a bug)', () => {
    expect(classifyStorageError(new Error('client went away'))).toBeUndefined();
    expect(classifyStorageError(Object.assign(new Error('x'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))).toBeUndefined();
    expect(storageFailure(new TypeError('bug'), 'reading')).toBeInstanceOf(TypeError);
    const wrapped = storageFailure(errno('EIO'), 'reading 12/body');
    expect(wrapped).toBeInstanceOf(StorageFailureError);
    expect(wrapped).toMatchObject({ kind: 'unavailable', code: 'EIO', message: 'reading 12/body: EIO: something' });
  });
});
