import { existsSync } from 'node:fs';
import { ConfigError, readConfigFile, SHA256_PATTERN, stableStringify, writeFileAtomic } from '@reproml/core';
import { z } from 'zod';
import { datasetFileKeySchema, datasetFormatSchema } from './pull-stage-config';

export const LOCK_FILE_NAME = 'stage.lock.json';

export const lockedFileSchema = z
  .object({
    source: z.string().min(1),
    /** Immutable revision of the source (a Hub commit sha); null for sources without revisions. */
    revision: z.string().nullable(),
    /** The branch or tag the stage file asked for when `revision` was resolved (hf:// sources). */
    ref: z.string().optional(),
    sha256: z.string().regex(SHA256_PATTERN, 'should be 64 lowercase hex characters'),
    size: z.number().int().nonnegative(),
    format: datasetFormatSchema,
  })
  .strict();
export type LockedFile = z.infer<typeof lockedFileSchema>;

export const datasetLockSchema = z
  .object({
    lockVersion: z.literal(1),
    files: z.record(datasetFileKeySchema, lockedFileSchema),
  })
  .strict();
export type DatasetLock = z.infer<typeof datasetLockSchema>;

export interface ReadDatasetLockParams {
  absolutePath: string;
  /** Workspace-relative path, for messages. */
  file: string;
  stage: string;
}

export async function readDatasetLock(params: ReadDatasetLockParams): Promise<DatasetLock> {
  if (!existsSync(params.absolutePath)) {
    throw new ConfigError(`The dataset lock ${params.file} does not exist`, {
      stage: params.stage,
      file: params.file,
      hint: `Create it with \`nx run ${params.stage}:lock\`, review it, and commit it.`,
    });
  }
  return readConfigFile(datasetLockSchema, params.absolutePath, params.file, params.stage);
}

export async function writeDatasetLock(absolutePath: string, lock: DatasetLock): Promise<void> {
  await writeFileAtomic(absolutePath, stableStringify(lock));
}
