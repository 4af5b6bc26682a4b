import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Who publishes what from CI (README "Working as a team"): a push to main retrains into the team
 * registry with the write token and records its runs in the team run store; a pull request (or a
 * push to any other branch) gets the read-only token, no registry and no run store, and must
 * document every dataset lock change. Read from the workflow files themselves: each job's `env:`
 * and `if:` expressions are evaluated for those events with a small evaluator of the GitHub
 * expression syntax the workflows use (contexts, string literals, ==, !=, !, &&, ||, parentheses).
 */

const WORKFLOWS = join(__dirname, '..', '..', '.github', 'workflows');
const pipelines = readFileSync(join(WORKFLOWS, 'pipelines.yml'), 'utf8');
const shard = readFileSync(join(WORKFLOWS, 'pipelines-shard.yml'), 'utf8');

type Context = Record<string, Record<string, string>>;
type Value = string | boolean;

const truthy = (value: Value) => value !== '' && value !== false;

/** Evaluates one GitHub Actions expression (the part inside `${{ }}`, or an `if:` value). */
function evaluate(expression: string, context: Context): Value {
  const tokens = expression.match(/'(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][\w.-]*|\d+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++]!;
  const primary = (): Value => {
    const token = next();
    if (token === '(') {
      const value = or();
      if (next() !== ')') throw new Error(`missing ) in ${expression}`);
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^\d+$/.test(token)) return token;
    if (token === 'true' || token === 'false') return token === 'true';
    const [scope, ...path] = token.split('.');
    if (!context[scope!]) throw new Error(`unknown context '${scope}' in ${expression}`);
    return context[scope!]![path.join('.')] ?? '';
  };
  const comparison = (): Value => {
    const left = primary();
    if (peek() === '==' || peek() === '!=') {
      const operator = next();
      const right = primary();
      return operator === '==' ? String(left) === String(right) : String(left) !== String(right);
    }
    return left;
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === '&&') {
      next();
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === '||') {
      next();
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`could not read ${expression} (stopped at '${peek()}')`);
  return value;
}

/** A scalar of the workflow text: `${{ … }}` evaluated, quotes dropped, anything else as written. */
function resolve(raw: string, context: Context): Value {
  const text = raw.trim().replace(/^"(.*)"$/, '$1');
  const whole = /^\$\{\{(.*)\}\}$/.exec(text);
  return whole ? evaluate(whole[1]!, context) : text;
}

/** The lines of one job (`  <job>:` up to the next job). */
function jobLines(workflow: string, job: string): string[] {
  const lines = workflow.split('\n');
  const start = lines.indexOf(`  ${job}:`);
  if (start < 0) throw new Error(`no job '${job}'`);
  const end = lines.findIndex((line, index) => index > start && /^ {2}[\w-]+:\s*$/.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A job's `env:` block, each value evaluated for the event. */
function jobEnv(workflow: string, job: string, context: Context): Record<string, Value> {
  const lines = jobLines(workflow, job);
  const start = lines.indexOf('    env:');
  const env: Record<string, Value> = {};
  for (const line of lines.slice(start + 1)) {
    const entry = /^ {6}([A-Z_]+):(.*)$/.exec(line);
    if (!entry) {
      if (/^ {6}#/.test(line)) continue;
      break;
    }
    env[entry[1]!] = resolve(entry[2]!, context);
  }
  return env;
}

/** An `if:` value: an expression, with or without `${{ }}`. */
function condition(raw: string, context: Context): boolean {
  const text = raw.trim();
  const whole = /^\$\{\{(.*)\}\}$/.exec(text);
  return truthy(evaluate(whole ? whole[1]! : text, context));
}

/** A job's own `if:` (true when it has none). */
function jobRuns(workflow: string, job: string, context: Context): boolean {
  const line = jobLines(workflow, job).find((entry) => entry.startsWith('    if: '));
  return line ? condition(line.slice('    if: '.length), context) : true;
}

/** The step named `name`: its `if:` evaluated, and its `run:` text. */
function step(workflow: string, job: string, name: string, context: Context): { runs: boolean; run: string } {
  const lines = jobLines(workflow, job);
  const start = lines.indexOf(`      - name: ${name}`);
  if (start < 0) throw new Error(`no step '${name}' in job '${job}'`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('      - '));
  const body = lines.slice(start + 1, end < 0 ? undefined : end);
  const when = body.find((line) => line.startsWith('        if: '));
  const runAt = body.findIndex((line) => line.startsWith('        run: '));
  let run = runAt < 0 ? '' : body[runAt]!.slice('        run: '.length);
  if (run === '|') {
    const block = body.slice(runAt + 1);
    const blockEnd = block.findIndex((line) => line.trim() !== '' && !line.startsWith('          '));
    run = (blockEnd < 0 ? block : block.slice(0, blockEnd)).map((line) => line.slice(10)).join('\n');
  }
  return { runs: when ? condition(when.slice('        if: '.length), context) : true, run };
}

const SETTINGS = {
  vars: { REPROML_REGISTRY: 'hf://acme', HF_ENDPOINT: '', REPROML_CACHE_URL: 'https://cache.example', REPROML_CI_RUNNERS: '' },
  secrets: {
    REPROML_HUB_WRITE_TOKEN: 'hf_WRITE',
    REPROML_HUB_READ_TOKEN: 'hf_READ',
    REPROML_TRACKING_URL: 'postgres://ci@db.example/runs',
    REPROML_CACHE_READ_WRITE_TOKEN: 'cache-rw',
    REPROML_CACHE_READ_ONLY_TOKEN: 'cache-ro',
  },
};
const PUSH_TO_MAIN: Context = { ...SETTINGS, github: { event_name: 'push', ref: 'refs/heads/main' } };
const PULL_REQUEST: Context = { ...SETTINGS, github: { event_name: 'pull_request', ref: 'refs/pull/7/merge' } };
const PUSH_TO_BRANCH: Context = { ...SETTINGS, github: { event_name: 'push', ref: 'refs/heads/experiment' } };
const SHARDED_PUSH_TO_MAIN: Context = { ...PUSH_TO_MAIN, vars: { ...SETTINGS.vars, REPROML_CI_RUNNERS: '3' } };
const SHARDED_PULL_REQUEST: Context = { ...PULL_REQUEST, vars: { ...SETTINGS.vars, REPROML_CI_RUNNERS: '3' } };

describe('the github expression evaluator these checks rely on', () => {
  it('follows the GitHub semantics of && and || (the last value decided), == and !', () => {
    expect(evaluate("(github.event_name == 'push') && vars.REPROML_REGISTRY || ''", PUSH_TO_MAIN)).toBe('hf://acme');
    expect(evaluate("(github.event_name == 'push') && vars.REPROML_REGISTRY || ''", PULL_REQUEST)).toBe('');
    expect(evaluate("!(github.event_name == 'push') && vars.REPROML_CI_RUNNERS != ''", SHARDED_PULL_REQUEST)).toBe(true);
    expect(() => evaluate('nope.x', PUSH_TO_MAIN)).toThrow(/unknown context/);
  });
});

describe('CI publishes to the team from main only (pipelines.yml, pipelines-shard.yml)', () => {
  it('a push to main retrains with the team registry, the write token and the team run store', () => {
    expect(jobRuns(pipelines, 'affected', PUSH_TO_MAIN)).toBe(true);
    expect(jobEnv(pipelines, 'affected', PUSH_TO_MAIN)).toMatchObject({
      REPROML_REGISTRY: 'hf://acme',
      HF_TOKEN: 'hf_WRITE',
      REPROML_TRACKING_URL: 'postgres://ci@db.example/runs',
    });
    expect(step(pipelines, 'affected', 'Retrain affected stages', PUSH_TO_MAIN).run).toContain('nx affected -t run');
    expect(step(pipelines, 'affected', 'Team registry after the push (main)', PUSH_TO_MAIN)).toMatchObject({
      runs: true,
      run: expect.stringContaining('reproml models list'),
    });
  });

  it('a pull request, or a push to another branch, gets the read-only token, no registry and no shared run store', () => {
    for (const event of [PULL_REQUEST, PUSH_TO_BRANCH]) {
      expect(jobRuns(pipelines, 'affected', event)).toBe(true);
      expect(jobEnv(pipelines, 'affected', event)).toMatchObject({ REPROML_REGISTRY: '', HF_TOKEN: 'hf_READ', REPROML_TRACKING_URL: '' });
      expect(step(pipelines, 'affected', 'Team registry after the push (main)', event).runs).toBe(false);
    }
  });

  it('a pull request must document every dataset lock change (the changelog check runs against the merge base)', () => {
    const check = step(pipelines, 'affected', 'Every dataset lock change has a changelog entry (pull requests)', PULL_REQUEST);
    expect(check.runs).toBe(true);
    expect(check.run).toBe(`node -r @swc-node/register tools/ci/check-lock-changelog.ts --base ${'$'}{{ steps.base.outputs.sha }}`);
    expect(step(pipelines, 'affected', 'Every dataset lock change has a changelog entry (pull requests)', PUSH_TO_MAIN).runs).toBe(false);
  });

  it('a sharded push to main publishes from every shard; pull requests are never sharded', () => {
    expect(jobRuns(pipelines, 'affected', SHARDED_PUSH_TO_MAIN)).toBe(false);
    expect(jobRuns(pipelines, 'shard-plan', SHARDED_PUSH_TO_MAIN)).toBe(true);
    expect(jobEnv(shard, 'shard', SHARDED_PUSH_TO_MAIN)).toMatchObject({
      REPROML_REGISTRY: 'hf://acme',
      HF_TOKEN: 'hf_WRITE',
      REPROML_TRACKING_URL: 'postgres://ci@db.example/runs',
    });
    expect(jobRuns(pipelines, 'shard-plan', SHARDED_PULL_REQUEST)).toBe(false);
    expect(jobRuns(pipelines, 'affected', SHARDED_PULL_REQUEST)).toBe(true);
    expect(jobEnv(pipelines, 'affected', SHARDED_PULL_REQUEST)).toMatchObject({ REPROML_REGISTRY: '', HF_TOKEN: 'hf_READ', REPROML_TRACKING_URL: '' });
  });
});
