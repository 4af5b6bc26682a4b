export * from './lib/dataset-lock';
export * from './lib/infer-format';
export * from './lib/local-source';
export * from './lib/lock-entries';
export * from './lib/pull-stage-config';
export * from './lib/run-pull';
export * from './lib/update-lock';
