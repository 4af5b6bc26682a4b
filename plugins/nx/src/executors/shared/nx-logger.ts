/**
 * Nx's logger, imported from its own module: `@nx/devkit`'s index also loads Nx's task runner,
 * plugin loader and generator helpers, which an executor process (one per executed task) does not
 * need and which cost about 0.3 s to load.
 */
export { logger } from 'nx/src/utils/logger';
