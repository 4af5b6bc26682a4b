/** The endpoints: the Open Inference Protocol v2 REST API, the JSON-rows endpoint and /metrics. */
export type Route =
  | { name: 'live' | 'ready' | 'server-metadata' | 'metrics'; method: 'GET' }
  | { name: 'model-metadata' | 'model-ready'; method: 'GET'; model: string; version?: string }
  | { name: 'infer'; method: 'POST'; model: string; version?: string }
  | { name: 'predict'; method: 'POST' };

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

/** The route of a path, or undefined (404). The method is checked by the caller (405). */
export function matchRoute(path: string): Route | undefined {
  switch (path) {
    case '/v2/health/live':
      return { name: 'live', method: 'GET' };
    case '/v2/health/ready':
      return { name: 'ready', method: 'GET' };
    case '/v2':
      return { name: 'server-metadata', method: 'GET' };
    case '/metrics':
      return { name: 'metrics', method: 'GET' };
    case '/predict':
      return { name: 'predict', method: 'POST' };
  }
  const match = MODEL_PATH.exec(path);
  if (!match) return undefined;
  const model = safeDecode(match[1]!);
  const version = match[2] === undefined ? undefined : safeDecode(match[2]);
  if (model === undefined || (match[2] !== undefined && version === undefined)) return undefined;
  const at = version === undefined ? { model } : { model, version };
  if (match[3] === '/infer') return { name: 'infer', method: 'POST', ...at };
  if (match[3] === '/ready') return { name: 'model-ready', method: 'GET', ...at };
  return { name: 'model-metadata', method: 'GET', ...at };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
