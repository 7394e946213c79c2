// The workspace file's name and format version, without the model (no zod): what code that only looks for the
// file or checks its version imports (the CLI's exec reads them before any schema has loaded).

export const WORKSPACE_VERSION = 1;

/** The workspace file in a workspace folder. */
export const WORKSPACE_FILE_NAME = 'clusterwright.yaml';
