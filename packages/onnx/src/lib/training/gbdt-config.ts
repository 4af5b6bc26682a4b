import { z } from 'zod';

/**
 * `model` of a gradient-boosted trees train stage (`family: "gbdt"`, trained by
 * @reproml/gbdt). Names follow the usual vocabulary (XGBoost / scikit-learn); every field
 * has a default. The stage's `training` section (epochs, optimizer...) is not used.
 */
export const gbdtModelConfigSchema = z
  .object({
    family: z.literal('gbdt').meta({ description: 'Gradient-boosted decision trees (histogram-based), exported as ai.onnx.ml TreeEnsembleRegressor.' }),
    nTrees: z
      .number()
      .int()
      .positive()
      .max(100_000)
      .default(100)
      .meta({ description: 'Boosting rounds (one tree per round, one per class and round for more than 2 classes). Default: 100.' }),
    learningRate: z.number().positive().max(1).default(0.1).meta({ description: 'Shrinkage applied to every leaf value (eta). Default: 0.1.' }),
    maxDepth: z.number().int().positive().max(64).default(6).meta({ description: 'Maximum depth of a tree (root = depth 0). Default: 6.' }),
    maxLeaves: z
      .number()
      .int()
      .min(2)
      .optional()
      .meta({ description: 'Maximum leaves per tree; leaves are split best-gain first (leaf-wise). Default: no limit besides maxDepth.' }),
    minSamplesLeaf: z.number().int().positive().default(1).meta({ description: 'Minimum training rows in a leaf. Default: 1.' }),
    minHessianLeaf: z.number().min(0).default(1).meta({ description: 'Minimum sum of hessians in a leaf (XGBoost min_child_weight). Default: 1.' }),
    l2: z.number().min(0).default(1).meta({ description: 'L2 penalty λ on leaf values (XGBoost lambda). Default: 1.' }),
    minSplitGain: z.number().min(0).default(0).meta({ description: 'Minimum loss reduction to split a leaf (XGBoost gamma). Default: 0.' }),
    subsample: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .meta({ description: 'Fraction of training rows drawn (seeded, without replacement) for each round. Default: 1.' }),
    colsample: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .meta({ description: 'Fraction of features drawn (seeded) for each tree (XGBoost colsample_bytree). Default: 1.' }),
    maxBins: z
      .number()
      .int()
      .min(2)
      .max(255)
      .default(255)
      .meta({ description: 'Histogram bins per feature, fitted on the training split (missing values get one more bin). Default: 255.' }),
    earlyStopping: z
      .union([
        z
          .object({
            patience: z
              .number()
              .int()
              .positive()
              .default(10)
              .meta({ description: 'Rounds without improvement of the validation loss before stopping. Default: 10.' }),
            minDelta: z.number().min(0).default(0).meta({ description: 'Smallest decrease that counts as improvement. Default: 0.' }),
          })
          .strict(),
        z.literal(false),
      ])
      .default({ patience: 10, minDelta: 0 })
      .meta({
        description:
          'Stop when the validation loss stops improving and keep the best round; false to train every round. Default: { patience: 10, minDelta: 0 }.',
      }),
  })
  .strict();
export type GbdtModelConfig = z.infer<typeof gbdtModelConfigSchema>;
