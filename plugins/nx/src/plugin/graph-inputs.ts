import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

// The files a graph-time computation (createNodes, createDependencies) read and the paths whose
// existence it checked, recorded while it runs: a cached result (graph-cache.ts) stays valid
// while every one of them is unchanged. Light on purpose (node builtins only).

/** `read:<path>` → sha256 of the bytes, or `exists:<path>` → `yes`/`no`. */
export type GraphInputs = Record<string, string>;

interface Recording {
  inputs: GraphInputs;
  warnings: string[];
}

/** The recording of the computation this call belongs to (async-safe: each computation has its own). */
const recordings = new AsyncLocalStorage<Recording>();

/** A file's text, recorded as an input of the computation running now. */
export function readGraphFile(path: string): string {
  const bytes = readFileSync(path);
  const recording = recordings.getStore();
  if (recording) recording.inputs[`read:${path}`] = sha256(bytes);
  return bytes.toString('utf8');
}

/** Whether a path exists, recorded as an input of the computation running now. */
export function graphPathExists(path: string): boolean {
  const exists = existsSync(path);
  const recording = recordings.getStore();
  if (recording) recording.inputs[`exists:${path}`] = exists ? 'yes' : 'no';
  return exists;
}

const warned = new Set<string>();

/** Prints a warning once per process (an invalid stage file), and records it so a cached result prints it again. */
export function graphWarning(message: string, warn: (message: string) => void): void {
  recordings.getStore()?.warnings.push(message);
  if (warned.has(message)) return;
  warned.add(message);
  warn(message);
}

/** Runs `compute`, recording what it reads and checks and the warnings it prints (across its awaits, apart from any other computation). */
export async function recordGraphInputs<T>(compute: () => Promise<T>): Promise<{ value: T; inputs: GraphInputs; warnings: string[] }> {
  const recording: Recording = { inputs: {}, warnings: [] };
  const value = await recordings.run(recording, compute);
  return { value, inputs: recording.inputs, warnings: recording.warnings };
}

/** True when every recorded file has the same bytes and every checked path the same existence. */
export function graphInputsUnchanged(inputs: GraphInputs): boolean {
  for (const [key, recorded] of Object.entries(inputs)) {
    const separator = key.indexOf(':');
    const kind = key.slice(0, separator);
    const path = key.slice(separator + 1);
    if (kind === 'exists') {
      if ((existsSync(path) ? 'yes' : 'no') !== recorded) return false;
    } else if (!existsSync(path) || sha256(readFileSync(path)) !== recorded) {
      return false;
    }
  }
  return true;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
