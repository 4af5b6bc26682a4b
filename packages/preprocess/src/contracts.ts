/**
 * The documents a preprocess stage writes for other stages, defined once (light: zod only).
 * `transform.json` (the fitted transform): the preprocess kind declares `transformOutput` as
 * its output and validates it when writing; drift reads it through the same object.
 * (`features.json` lives in `@reproml/onnx/contracts`, the lowest package that reads it.)
 */

export { dateDayNumberReader } from './lib/date-day-number';
export { type FittedTransform, fittedTransformSchema, transformOutput } from './lib/fitted-transform';
