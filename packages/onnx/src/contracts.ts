/**
 * The documents onnx stages read from other stages, defined once (light: zod only, no
 * onnxruntime). The preprocess kind declares `featuresOutput` as its output; train, evaluate
 * and drift read it through the same object.
 */
export {
  type ClassKind,
  classKindSchema,
  FEATURE_FILES,
  type FeaturesManifest,
  featuresManifestSchema,
  featuresOutput,
  type RawInput,
  rawInputSchema,
  type SplitName,
} from './lib/contracts/features-manifest';
