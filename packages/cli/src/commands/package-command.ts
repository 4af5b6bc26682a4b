import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command } from './command';
import { commandEntry } from './command-table.mjs';

const USAGE = commandEntry('package').usage.join('\n');

/** `reproml package`: a deployable folder for a registry version (model + manifest, server.js, pinned package.json + lockfile, Dockerfile). */
export const packageCommand: Command = {
  ...commandEntry('package'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { out: { type: 'string' }, 'base-image': { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) {
      io.stderr(`usage: ${USAGE}\n`);
      return 2;
    }
    const serve = await import('@reproml/serve');
    const { openRegistry } = await import('@reproml/hub');
    const { name, selector } = serve.parseModelSelector(positionals[0]!);
    const workspaceRoot = findWorkspaceRoot();
    const outDir = values.out
      ? isAbsolute(values.out)
        ? values.out
        : resolve(values.out)
      : join(workspaceRoot, '.reproml', 'packages', `${name}-${selector}`);
    const { manifest } = await serve.packageModel({
      registry: openRegistry({ workspaceRoot }),
      name,
      selector,
      outDir,
      workspaceRoot,
      ...(values['base-image'] ? { baseImage: values['base-image'] } : {}),
      onStep: (step) => io.stdout(`${step}\n`),
    });
    io.stdout(
      `${manifest.model} v${manifest.version} packaged. To serve it:\n  cd ${outDir} && pnpm install --frozen-lockfile && node server.js     # REPROML_SERVE_PORT, REPROML_SERVE_HOST, …\n  docker build -t ${manifest.model.toLowerCase()}:v${manifest.version} ${outDir} && docker run -p 8080:8080 ${manifest.model.toLowerCase()}:v${manifest.version}\n`,
    );
    return 0;
  },
};
