import type { StoredFile } from './content-store';
import type { SourceContext } from './dataset-source';
import { downloadToStore, type OpenedDownload } from './download-to-store';
import { sourceFailure } from './source-failure';

/**
 * What a remote source's `materialize` does once it knows how to open the bytes (hf://, https://):
 * stream them into the content store with the environment's retry policy and progress (nothing
 * is downloaded when the store holds the lock's sha256), a failure becoming the source's typed error.
 */
export async function downloadSource(params: {
  source: string;
  context: SourceContext;
  expectedSha256?: string;
  open: () => Promise<OpenedDownload>;
}): Promise<StoredFile> {
  const { source, context } = params;
  try {
    return await downloadToStore({
      store: context.store,
      expectedSha256: params.expectedSha256,
      label: source,
      policy: context.environment,
      progress: context.progress,
      onRetry: context.warn,
      open: params.open,
    });
  } catch (error) {
    throw sourceFailure(error, source, context.location);
  }
}
