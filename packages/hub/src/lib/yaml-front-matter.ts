/**
 * YAML for model card front matter: block style, every string double-quoted (JSON string
 * syntax is valid YAML), keys plain when they are simple. Enough for metadata built from
 * plain data (objects, arrays, strings, finite numbers, booleans, null).
 */
export function toYaml(value: Record<string, unknown>): string {
  return `${objectLines(value, 0).join('\n')}\n`;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} in YAML front matter`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  throw new TypeError(`not a scalar: ${typeof value}`);
}

function key(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? name : JSON.stringify(name);
}

const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;

function objectLines(value: Record<string, unknown>, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [name, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (Array.isArray(item) && item.length === 0) lines.push(`${pad}${key(name)}: []`);
    else if (Array.isArray(item)) lines.push(`${pad}${key(name)}:`, ...arrayLines(item, indent + 2));
    else if (isContainer(item) && Object.keys(item).length === 0) lines.push(`${pad}${key(name)}: {}`);
    else if (isContainer(item)) lines.push(`${pad}${key(name)}:`, ...objectLines(item as Record<string, unknown>, indent + 2));
    else lines.push(`${pad}${key(name)}: ${scalar(item)}`);
  }
  return lines;
}

function arrayLines(items: unknown[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const item of items) {
    if (Array.isArray(item)) {
      const nested = arrayLines(item, indent + 2);
      lines.push(`${pad}- ${nested[0]!.trimStart()}`, ...nested.slice(1));
    } else if (isContainer(item) && Object.keys(item).length > 0) {
      const nested = objectLines(item as Record<string, unknown>, indent + 2);
      lines.push(`${pad}- ${nested[0]!.trimStart()}`, ...nested.slice(1));
    } else {
      lines.push(`${pad}- ${isContainer(item) ? '{}' : scalar(item)}`);
    }
  }
  return lines;
}
