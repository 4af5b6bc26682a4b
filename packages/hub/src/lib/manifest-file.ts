/** The manifest a push writes beside the model (files with sha256, fingerprint, git state); read back from a Hub repo to tell a no-op push. */
export const MANIFEST_FILE = 'reproml-model.json';
