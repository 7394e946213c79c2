// Upgrades of older workspace files to the current version, applied to the YAML document itself
// so that the admin's comments and key order survive. Version 1 is the first published format.
import type { Document } from 'yaml';

export interface WorkspaceMigration {
  /** The version this migration reads; it leaves the document at from + 1. */
  from: number;
  /** What changes, in the admin's words (shown when a file is upgraded). */
  describe: string;
  apply(doc: Document): void;
}

/** Ordered by `from`. Empty while version 1 is the only format; add one entry per new version. */
export const workspaceMigrations: readonly WorkspaceMigration[] = [];
