export * from './lib/collect-stage-run';
export * from './lib/dataset-revisions';
export * from './lib/migrations';
export * from './lib/record-run';
export * from './lib/run-record';
export * from './lib/run-store';
export * from './lib/run-store-error';
export * from './lib/tracking-location';
