/**
 * The documents onnx stages read from or write for other stages, defined once (light: zod
 * only, no onnxruntime). The preprocess kind declares `featuresOutput` as its output; train,
 * evaluate and drift read it through the same object. Train declares `modelInfoOutput`
 * (model.json) and evaluate `metricsOutput` (metrics.json); push and the run report read them
 * through these objects.
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
export {
  type ClassificationMetrics,
  classificationMetricsSchema,
  type MetricsDocument,
  metricsDocumentSchema,
  metricsOutput,
  type RegressionMetrics,
  regressionMetricsSchema,
} from './lib/contracts/metrics-document';
export {
  type FeatureImportanceEntry,
  featureImportanceEntrySchema,
  type ModelInfo,
  modelInfoOutput,
  modelInfoSchema,
} from './lib/contracts/model-info-document';
export { type EpochRecord, epochRecordSchema, type TrainingCurve, trainingCurveOutput, trainingCurveSchema } from './lib/contracts/training-curve-document';
