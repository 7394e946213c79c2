// Contract of the secret store's lock: whether the passphrase-sealed store (web mode, CLI) is open,
// unlocking it with the passphrase the admin types (creating it on first use), and locking it again.
// The passphrase goes in; it never comes back out, and nothing here returns a secret.
import * as z from 'zod';
import { defineMethod } from './define.js';

export const secretStoreStatusSchema = z.object({
  /** "passphrase": a file sealed with the admin's passphrase; "os": the desktop's keychain (always open); "memory": tests. */
  kind: z.enum(['passphrase', 'os', 'memory']),
  description: z.string(),
  state: z.enum(['locked', 'unlocked']),
  /** Whether the store exists yet; false means the first unlock creates it (and asks for the passphrase twice). */
  exists: z.boolean(),
  /** Whether "lock now" means anything (a passphrase store). */
  lockable: z.boolean(),
  /** The operating system's keychain, where the passphrase can be remembered instead of typed each session. */
  keychain: z.object({
    available: z.boolean(),
    /** What it is ("Secret Service (D-Bus)", "macOS Keychain"…), or why it cannot be used here. */
    name: z.string().optional(),
    reason: z.string().optional(),
    /** The passphrase is in the keychain, so the store opens without asking. */
    remembered: z.boolean(),
  }),
});
export type SecretStoreStatus = z.infer<typeof secretStoreStatusSchema>;

export const secretStoreMethods = {
  'secrets.status': defineMethod(z.object({}).strict(), secretStoreStatusSchema),
  /**
   * Opens the store with the passphrase (kept in the services' memory until "lock" or the end of the process).
   * `create` must be set to create a store that does not exist yet; `remember` also keeps the passphrase in the
   * operating system's keychain (refused where there is none: never a plaintext fallback).
   */
  'secrets.unlock': defineMethod(
    z.object({ passphrase: z.string().min(1).max(1024), create: z.boolean().optional(), remember: z.boolean().optional() }).strict(),
    secretStoreStatusSchema,
  ),
  /** Forgets the key now; `forget` also removes the passphrase from the keychain. */
  'secrets.lock': defineMethod(z.object({ forget: z.boolean().optional() }).strict(), secretStoreStatusSchema),
};

export const secretStoreEvents = {
  /** The store was unlocked or locked (by this client, another one, or the CLI prompt); read secrets.status for details. */
  'secrets.stateChanged': z.object({ state: z.enum(['locked', 'unlocked']) }),
};
