import { ConfigError } from '@reproml/core';
import type { LoadedStage } from './load-stage';
import type { StageKindRegistry } from './stage-kinds';

/**
 * Graph-time check of one input: the upstream stage's kind is one the input accepts and
 * declares every document the input reads. A kind whose outputs are user code's (script)
 * passes; what is read from it is checked against the contract at run time.
 */
export function checkUpstreamKind(stage: LoadedStage, inputName: string, upstream: LoadedStage, registry: StageKindRegistry): void {
  const spec = stage.kind.inputs[inputName];
  if (!spec || upstream.kind.openOutputs) return;
  const where = { stage: stage.identity.name, file: stage.identity.file, field: `inputs.${inputName}` };
  const name = upstream.identity.name;
  if (spec.kinds && !spec.kinds.includes(upstream.kind.name)) {
    throw new ConfigError(
      `Input '${inputName}' of ${stage.identity.name} names ${name}, a ${upstream.kind.name} stage, but a ${stage.kind.name} stage needs ${spec.description} there (kind ${spec.kinds.join(' or ')})`,
      { ...where, hint: `Name a ${spec.kinds.join(' or ')} stage in inputs.${inputName} of ${stage.identity.file}.` },
    );
  }
  const missing = (spec.reads ?? []).filter((output) => !upstream.kind.outputs.includes(output));
  if (missing.length) {
    const producers = registry.kinds.filter((entry) => missing.every((output) => entry.kind.outputs.includes(output))).map((entry) => entry.kind.name);
    throw new ConfigError(
      `Input '${inputName}' of ${stage.identity.name} names ${name}, a ${upstream.kind.name} stage, which does not write ${missing.map((output) => output.file).join(', ')} (a ${stage.kind.name} stage reads it from ${spec.description})`,
      {
        ...where,
        hint: `Name a stage that writes it${producers.length ? ` (kind ${producers.join(' or ')})` : ''} in inputs.${inputName} of ${stage.identity.file}.`,
      },
    );
  }
}
