import { requireInputs, type StageInputSpec, stageBaseShape } from '@reproml/core';
import { metricsOutput, modelInfoOutput } from '@reproml/onnx/contracts';
import { z } from 'zod';
import { promotionGatesSchema } from './metric-gates';
import { parsePushTarget, REGISTRY_TARGET } from './push-target';

/** Names under `inputs`: the train stage (model.onnx) and the evaluate stage (metrics.json). */
export const PUSH_MODEL_INPUT = 'model';
export const PUSH_METRICS_INPUT = 'metrics';

/** The push kind's inputs: its `inputs` and the required ones its schema checks. */
export const pushInputs = {
  [PUSH_MODEL_INPUT]: { description: 'the train stage whose model is pushed', kinds: ['train'], reads: [modelInfoOutput] },
  [PUSH_METRICS_INPUT]: {
    description: 'the evaluate stage whose metrics.json goes with the model',
    kinds: ['evaluate'],
    reads: [metricsOutput],
    required: false,
  },
} satisfies Record<string, StageInputSpec>;

export const pushStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('push'),
    target: z.string().default(REGISTRY_TARGET).meta({
      description:
        'Where the model goes: "registry" (the model registry: REPROML_REGISTRY, a folder by default <workspace>/.reproml/registry, or hf://<namespace> for the team registry on the Hub, where the model goes to the repo <namespace>/<model>) or "hf://<namespace>/<repo>" (a Hugging Face Hub model repo; HF_ENDPOINT, HF_TOKEN; recorded in the folder registry). Default: "registry".',
    }),
    model: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'should use lowercase letters, digits, "-" and "_"')
      .optional()
      .meta({ description: 'Model name in the registry. Default: the pipeline name.' }),
    modelFile: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'should be a file name in the model stage output folder')
      .default('model.onnx')
      .meta({ description: "The model file in the model stage's output folder. Default: 'model.onnx'." }),
    private: z.boolean().default(true).meta({ description: 'Create the Hub repo private when it does not exist. Default: true.' }),
    branch: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'should be a branch name')
      .default('main')
      .meta({ description: "Hub branch to commit to. Default: 'main'." }),
    gates: promotionGatesSchema.default({}).meta({
      description:
        'Metric gates per alias that `reproml models promote` enforces, e.g. { "production": { "accuracy": ">= 0.95" } }; metrics come from the evaluate stage. Default: none (promotion still needs an approval record).',
    }),
    tags: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._:-]*$/))
      .default([])
      .meta({ description: 'Extra model card tags. Default: none.' }),
    license: z.string().optional().meta({ description: 'License id for the model card (e.g. "mit"). Default: none.' }),
    allowDirty: z.boolean().default(false).meta({
      description:
        'Push even when files the model depends on are not committed (REPROML_ALLOW_DIRTY=1 does the same for one run). The version is recorded as dirty with the list of those files and a sha256 over their content, and its model card says that the commit alone does not rebuild it. Default: false (such a push is refused).',
    }),
  })
  .strict()
  .superRefine((config, ctx) => {
    requireInputs(config.inputs, ctx, pushInputs, 'push');
    try {
      parsePushTarget(config.target);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'should be "registry" or "hf://<namespace>/<repo>"' });
    }
    for (const alias of Object.keys(config.gates)) {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(alias))
        ctx.addIssue({ code: 'custom', path: ['gates', alias], message: 'alias names use lowercase letters, digits, "-" and "_"' });
    }
  })
  .meta({
    title: 'push stage',
    description:
      'Publishes model.onnx with its model card, lineage records, metrics.json and the fitted transform to the local model registry or a Hugging Face Hub repo. Not cached: it always checks the target, and pushing the same artifacts again is a no-op.',
  });
export type PushStageConfig = z.infer<typeof pushStageConfigSchema>;
