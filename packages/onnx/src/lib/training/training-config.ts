import { z } from 'zod';
import { gbdtModelConfigSchema } from './gbdt-config';

/** The model families ReproML trains. */
export const modelConfigSchema = z
  .discriminatedUnion('family', [
    z
      .object({
        family: z.literal('linear').meta({ description: 'Linear regression (one output, mean-squared error).' }),
      })
      .strict(),
    z
      .object({
        family: z.literal('logistic').meta({ description: 'Logistic / softmax regression (cross-entropy).' }),
      })
      .strict(),
    z
      .object({
        family: z.literal('mlp').meta({ description: 'Multi-layer perceptron with ReLU hidden layers.' }),
        hiddenLayers: z
          .array(z.number().int().positive())
          .min(1)
          .default([64])
          .meta({ description: 'Width of each hidden layer, input side first. Default: [64].' }),
      })
      .strict(),
    gbdtModelConfigSchema,
  ])
  .meta({ description: 'Model family. Default: { "family": "mlp", "hiddenLayers": [64] }.' });

export const optimizerConfigSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('sgd'),
        learningRate: z.number().positive().default(0.01).meta({ description: 'Step size. Default: 0.01.' }),
        momentum: z.number().min(0).lt(1).default(0.9).meta({ description: 'Momentum (PyTorch form: v = μv + g). Default: 0.9.' }),
      })
      .strict(),
    z
      .object({
        type: z.literal('adam'),
        learningRate: z.number().positive().default(0.001).meta({ description: 'Step size. Default: 0.001.' }),
        beta1: z.number().min(0).lt(1).default(0.9).meta({ description: 'Default: 0.9.' }),
        beta2: z.number().min(0).lt(1).default(0.999).meta({ description: 'Default: 0.999.' }),
        epsilon: z.number().positive().default(1e-8).meta({ description: 'Default: 1e-8.' }),
      })
      .strict(),
  ])
  .meta({ description: 'Optimizer. Default: Adam with learning rate 0.001.' });

export const earlyStoppingConfigSchema = z
  .object({
    patience: z.number().int().positive().default(10).meta({ description: 'Epochs without improvement of the validation loss before stopping. Default: 10.' }),
    minDelta: z.number().min(0).default(0).meta({ description: 'Smallest decrease that counts as improvement. Default: 0.' }),
  })
  .strict();

export const classWeightsConfigSchema = z.union([z.enum(['none', 'balanced']), z.record(z.string(), z.number().positive())]).meta({
  description:
    "Per-class loss weights: 'none', 'balanced' (n / (classes × count), as scikit-learn), or { className: weight } (missing classes weigh 1). Default: 'none'.",
});

export const trainingConfigSchema = z
  .object({
    epochs: z.number().int().positive().default(100).meta({ description: 'Maximum number of epochs. Default: 100.' }),
    batchSize: z.number().int().positive().default(32).meta({ description: 'Rows per mini-batch. Default: 32.' }),
    l2: z.number().min(0).default(0).meta({ description: 'L2 penalty λ on weights (not biases): adds λ/2·‖W‖². Default: 0.' }),
    loss: z
      .enum(['auto', 'cross-entropy', 'mse'])
      .default('auto')
      .meta({ description: "Loss: 'auto' is cross-entropy for classification and mean-squared error for regression. Default: 'auto'." }),
    optimizer: optimizerConfigSchema.default({ type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }),
    earlyStopping: z
      .union([earlyStoppingConfigSchema, z.literal(false)])
      .default({ patience: 10, minDelta: 0 })
      .meta({
        description:
          "Stop when the validation loss stops improving and keep the best epoch's weights; false to train every epoch. Default: { patience: 10, minDelta: 0 }.",
      }),
    classWeights: classWeightsConfigSchema.default('none'),
    shuffle: z.boolean().default(true).meta({ description: 'Shuffle the training rows each epoch (seeded). Default: true.' }),
    standardizeTarget: z.boolean().default(true).meta({
      description:
        "Regression only: train on (y − mean) / std of the training split's target (losses are then in those units); model.onnx scales its output back, so predictions are in the data's units. Default: true.",
    }),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;
export type EarlyStoppingConfig = z.infer<typeof earlyStoppingConfigSchema>;
export type ClassWeightsConfig = z.infer<typeof classWeightsConfigSchema>;
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;

export const DEFAULT_MODEL_CONFIG: ModelConfig = { family: 'mlp', hiddenLayers: [64] };
