export * from './src/hub-accounts';
export * from './src/hub-faults';
export * from './src/hub-ref-routes';
export * from './src/hub-repos';
export * from './src/hub-server';
export * from './src/hub-upload-routes';
