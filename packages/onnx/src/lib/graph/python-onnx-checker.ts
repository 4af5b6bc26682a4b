import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export type PythonCheckResult = { available: false; reason: string } | { available: true; valid: boolean; message: string };

const CHECK_SCRIPT = `
import sys, onnx
model = onnx.load_from_string(sys.stdin.buffer.read())
try:
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    print("ok")
except Exception as error:
    print(str(error)); sys.exit(3)
`;

/**
 * Runs the reference checker (Debian's python3-onnx: `onnx.checker.check_model` with
 * full_check and strict shape inference) on model bytes. Optional cross-check only:
 * ReproML never needs Python; when python3-onnx is missing this says so.
 */
export function checkWithPythonOnnx(bytes: Uint8Array): PythonCheckResult {
  if (!existsSync(SYSTEM_PYTHON)) return { available: false, reason: `${SYSTEM_PYTHON} not found` };
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return { available: false, reason: 'python3-onnx is not installed (apt-get install -y python3-onnx)' };
  }
  const run = spawnSync(SYSTEM_PYTHON, ['-c', CHECK_SCRIPT], { input: bytes, encoding: 'utf8', maxBuffer: 64 << 20 });
  const message = `${run.stdout}${run.stderr}`.trim();
  return { available: true, valid: run.status === 0, message };
}
