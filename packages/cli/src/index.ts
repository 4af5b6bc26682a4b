export * from './lib/compare-artifacts';
export * from './lib/lineage-chain';
export * from './lib/verify-pipeline';
export { main } from './main';
