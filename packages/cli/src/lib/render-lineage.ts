import { describeEnvironmentChanges } from '@reproml/core';
import type { LineageChain, LineageNode } from './lineage-chain';

const short = (sha: string) => sha.slice(0, 12);

/** The lineage chain as an indented tree for a terminal. */
export function renderLineageTree(chain: LineageChain): string {
  const lines: string[] = [];
  if (chain.origin) {
    const git = chain.origin.git;
    lines.push(
      `registry ${chain.origin.model} v${chain.origin.version}${git ? `, pushed from commit ${short(git.commit)}${git.dirty ? ' (dirty)' : ''}` : ''}`,
    );
  }
  if (chain.artifact) {
    const verdict = chain.artifact.matchesRecord
      ? 'matches its lineage record'
      : `DIFFERS from its lineage record (${chain.artifact.recordedSha256 ? short(chain.artifact.recordedSha256) : 'not recorded'})`;
    lines.push(`${chain.artifact.path}  sha256 ${short(chain.artifact.sha256)}  ${verdict}`);
  }
  renderNode(chain.root, '', lines, new Set());
  const warnings = collectWarnings(chain.root, new Set());
  if (warnings.length) lines.push('', ...warnings.map((warning) => `warning: ${warning}`));
  return `${lines.join('\n')}\n`;
}

function renderNode(node: LineageNode, indent: string, lines: string[], seen: Set<string>): void {
  const { record } = node;
  if (seen.has(node.location.project)) {
    lines.push(`${indent}└─ ${node.location.project} (shown above)`);
    return;
  }
  seen.add(node.location.project);
  lines.push(`${indent}└─ ${node.location.project} (${record.stage.kind})  seed ${record.seed ?? 'none'}  ${node.location.outDir}/`);
  const inner = `${indent}   `;
  lines.push(`${inner}config ${compactConfig(record.config)}`);
  if (node.lastRun?.git) {
    lines.push(`${inner}last run ${node.lastRun.startedAt} at commit ${short(node.lastRun.git.commit)}${node.lastRun.git.dirty ? ' (dirty)' : ''}`);
  }
  const env = record.environment;
  lines.push(`${inner}environment node ${env.node}, ${env.platform}-${env.arch}, lockfile ${env.lockfileSha256 ? short(env.lockfileSha256) : 'none'}`);
  for (const output of record.outputs) lines.push(`${inner}→ ${output.path}  ${short(output.sha256)}  ${output.size} B`);
  // The files read from one upstream stage, then that stage's subtree once (not once per file).
  const byUpstream = new Map<string, typeof node.inputs>();
  for (const input of node.inputs) {
    const key = input.upstream?.location.project ?? `file:${input.path}`;
    byUpstream.set(key, [...(byUpstream.get(key) ?? []), input]);
  }
  for (const inputs of byUpstream.values()) {
    for (const input of inputs) {
      const mark = input.consistent ? '' : '  (STALE: the upstream output has changed since)';
      lines.push(`${inner}← ${input.from}: ${input.path}  ${short(input.sha256)}${mark}`);
    }
    const upstream = inputs[0]!.upstream;
    if (upstream) renderNode(upstream, `${inner}   `, lines, seen);
  }
}

function compactConfig(config: Record<string, unknown>): string {
  const { description: _description, ...rest } = config;
  const text = JSON.stringify(rest);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** Environment drift and stale inputs, once per stage. */
export function collectWarnings(node: LineageNode, seen: Set<string>): string[] {
  if (seen.has(node.location.project)) return [];
  seen.add(node.location.project);
  const warnings: string[] = [];
  if (node.environmentChanges.length) {
    warnings.push(`${node.location.project} was produced in another environment: ${describeEnvironmentChanges(node.environmentChanges).join('; ')}`);
  }
  for (const input of node.inputs) {
    if (!input.consistent) warnings.push(`${node.location.project} read ${input.path} at ${short(input.sha256)}, which its upstream stage no longer produces`);
    if (input.upstream) warnings.push(...collectWarnings(input.upstream, seen));
  }
  return warnings;
}
