// parseHubRegistry lives in hub-namespace.ts (light: registry-setting.ts and the published-state module read it).
export { parseHubRegistry } from './hub-namespace';
