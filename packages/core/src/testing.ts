/** Helpers for unit tests of stage kinds (not loaded by stages): `@reproml/core/testing`. */
export { type RecordingStageContext, recordingStageContext } from './testing/recording-stage-context';
export { type RunTestStageParams, runTestStage } from './testing/run-test-stage';
