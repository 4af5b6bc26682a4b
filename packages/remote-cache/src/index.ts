export * from './lib/access-log';
export * from './lib/access-tokens';
export * from './lib/cache-server';
export * from './lib/cache-storage';
export * from './lib/filesystem-storage';
export * from './lib/read-only-mode';
export * from './lib/storage-errors';
