// Contract of the SSH domain: connection tests, host-key and login prompts (events answered by
// methods), terminals on flow-controlled streams, and secrets referred to only by id.
import * as z from 'zod';
import { defineMethod } from './define.js';

const port = z.number().int().min(1).max(65535);
const secretId = z.string().min(1).max(200);

/** How to log in to one host. Secrets are ids from secrets.put, never the secrets themselves. */
export const sshAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('privateKey'), identityFile: z.string().min(1).optional(), keySecretId: secretId.optional(), passphraseSecretId: secretId.optional() }).strict(),
  z.object({ kind: z.literal('agent'), socketPath: z.string().min(1).optional() }).strict(),
  z.object({ kind: z.literal('password'), secretId: secretId.optional() }).strict(),
  z.object({ kind: z.literal('keyboardInteractive'), secretId: secretId.optional() }).strict(),
]);
export type SshAuth = z.infer<typeof sshAuthSchema>;

/** One host: a name or address (or an ~/.ssh/config alias), with optional port, user and auth (else from ~/.ssh/config and defaults). */
export const sshEndpointSchema = z
  .object({
    host: z.string().min(1).max(255),
    port: port.optional(),
    user: z.string().min(1).max(64).optional(),
    auth: z.array(sshAuthSchema).max(8).optional(),
  })
  .strict();
export type SshEndpoint = z.infer<typeof sshEndpointSchema>;

/** An ad-hoc target: the destination plus jump hosts (first hop first); without `jumps`, ~/.ssh/config's ProxyJump applies. */
export const adHocSshTargetSchema = sshEndpointSchema.extend({ jumps: z.array(sshEndpointSchema).max(8).optional() }).strict();
export type SshTargetInput = z.infer<typeof adHocSshTargetSchema>;

/** Where a terminal goes: an ad-hoc target, or a node of the open workspace by name. */
export const terminalTargetSchema = z.discriminatedUnion('kind', [
  adHocSshTargetSchema.extend({ kind: z.literal('adHoc') }).strict(),
  z.object({ kind: z.literal('node'), node: z.string().min(1), workspace: z.string().min(1).optional() }).strict(),
]);
export type TerminalTarget = z.infer<typeof terminalTargetSchema>;

export const hopReportSchema = z.object({
  label: z.string(),
  host: z.string(),
  port,
  user: z.string(),
  keyType: z.string(),
  /** As OpenSSH prints it: "SHA256:" + unpadded base64. */
  fingerprint: z.string(),
  /** "pinned by Clusterwright", "/root/.ssh/known_hosts:3", "pinned now", "accepted once". */
  trust: z.string(),
});

export const sshTestResultSchema = z.object({
  destination: hopReportSchema,
  jumps: z.array(hopReportSchema),
  connectMs: z.number(),
  roundTripMs: z.number(),
  reused: z.boolean(),
});

export const hostKeyDecisions = ['pin', 'once', 'reject'] as const;
export const authPromptKinds = ['password', 'passphrase', 'keyboardInteractive'] as const;
export const sshConnectionStates = ['connecting', 'connected', 'retrying', 'disconnected', 'failed', 'closed'] as const;
export const secretKinds = ['password', 'passphrase', 'privateKey', 'token', 'other'] as const;

export const secretInfoSchema = z.object({ id: z.string(), label: z.string(), kind: z.enum(secretKinds), createdAt: z.string() });

const ok = z.object({ ok: z.literal(true) });

/** A host key the app trusts by itself: pinned by the admin, or vouched for by a running lab for its own host. */
export const trustedHostKeySchema = z.object({
  host: z.string(),
  port,
  keyType: z.string(),
  /** As OpenSSH prints it: "SHA256:" + unpadded base64. */
  fingerprint: z.string(),
  source: z.enum(['pinned', 'lab']),
  /** For pinned keys: when. */
  pinnedAt: z.string().optional(),
  /** For lab keys: 'the lab "three-sites"'. */
  lab: z.string().optional(),
});
export type TrustedHostKey = z.infer<typeof trustedHostKeySchema>;

export const sshMethods = {
  /** Connects (every hop's host key verified, prompting when unknown) and reports fingerprints and one exec round trip. */
  'ssh.test': defineMethod(z.object({ target: adHocSshTargetSchema }).strict(), sshTestResultSchema),
  /** Answers a hostKey.unknown event: pin the key, accept it for this connection only, or refuse it. */
  'hostKey.answer': defineMethod(z.object({ promptId: z.string().min(1), decision: z.enum(hostKeyDecisions) }).strict(), ok),
  /**
   * The host keys the app trusts by itself (fingerprints only): those pinned by the admin ("Trust and remember",
   * --accept-new) and those a running lab generated for its own hosts. Optionally only one host's (a node's inspector).
   * The admin's known_hosts files are theirs and are not listed.
   */
  'hostKey.list': defineMethod(
    z
      .object({
        host: z.string().min(1).max(255).optional(),
        port: port.optional(),
        /** A node of the open workspace: the keys of the host and port its SSH settings (and ~/.ssh/config) lead to. */
        node: z.string().min(1).optional(),
      })
      .strict(),
    z.object({ keys: z.array(trustedHostKeySchema), host: z.string().optional(), port: port.optional() }),
  ),
  /**
   * Forgets pinned keys of a host (all types, or one), e.g. after a reinstall the admin confirmed; recorded in the
   * workspace's audit log. NOT_FOUND when nothing is pinned for it. A lab's keys go with the lab (lab down).
   */
  'hostKey.forget': defineMethod(
    z.object({ host: z.string().min(1).max(255), port: port.default(22), keyType: z.string().min(1).max(64).optional() }).strict(),
    z.object({ removed: z.number().int(), keys: z.array(trustedHostKeySchema) }),
  ),
  /** Answers an auth.prompt event: one answer per prompt, or `cancel: true`. Answers are used once and never stored or echoed. */
  'auth.answer': defineMethod(
    z.object({ promptId: z.string().min(1), answers: z.array(z.string().max(4096)).max(16).optional(), cancel: z.boolean().optional() }).strict(),
    ok,
  ),
  /** Opens an interactive shell; its bytes flow on binary stream `streamId` (write = keystrokes, ack = credit). */
  'terminal.open': defineMethod(
    z
      .object({
        target: terminalTargetSchema,
        rows: z.number().int().min(1).max(1000),
        cols: z.number().int().min(1).max(1000),
        term: z.string().max(64).optional(),
        /** Also write the session's output to a file in the workspace folder (terminal-logs/). */
        log: z.boolean().optional(),
      })
      .strict(),
    z.object({ terminalId: z.string(), streamId: z.number().int().positive(), title: z.string(), logFile: z.string().optional() }),
  ),
  /** New PTY size (rows first, as ssh2's setWindow). */
  'terminal.resize': defineMethod(
    z.object({ terminalId: z.string().min(1), rows: z.number().int().min(1).max(1000), cols: z.number().int().min(1).max(1000), widthPx: z.number().int().min(0).optional(), heightPx: z.number().int().min(0).optional() }).strict(),
    ok,
  ),
  'terminal.close': defineMethod(z.object({ terminalId: z.string().min(1) }).strict(), z.object({ closed: z.boolean() })),
  /** Stores a secret in the host's secret store and returns only its id. */
  'secrets.put': defineMethod(z.object({ label: z.string().min(1).max(200), kind: z.enum(secretKinds).default('password'), value: z.string().min(1).max(65536) }).strict(), z.object({ id: z.string() })),
  'secrets.delete': defineMethod(z.object({ id: secretId }).strict(), z.object({ deleted: z.boolean() })),
  /** Ids and labels only: values never leave the backend. */
  'secrets.list': defineMethod(z.object({}).strict(), z.object({ store: z.string(), secrets: z.array(secretInfoSchema) })),
};

export const sshEvents = {
  /** A host presented a key not in known_hosts or the pinned store; answer with hostKey.answer. */
  'hostKey.unknown': z.object({
    promptId: z.string(),
    host: z.string(),
    port,
    keyType: z.string(),
    fingerprint: z.string(),
    /** Key types already trusted for this host: non-empty means the host offers none of its known keys. */
    knownKeyTypes: z.array(z.string()),
    /**
     * Those keys (type, fingerprint, where they are trusted): when there are any, this host already has a different
     * key, and the dialog says so plainly: an impostor would offer only a type it does not have to match.
     */
    knownKeys: z.array(z.object({ keyType: z.string(), fingerprint: z.string(), source: z.string() })).default([]),
    /** "destination", or "jump host 1 of 2"…: where in the chain this host sits. */
    position: z.string(),
  }),
  /** The login needs an answer (password, key passphrase, 2FA code); answer with auth.answer. */
  'auth.prompt': z.object({
    promptId: z.string(),
    kind: z.enum(authPromptKinds),
    host: z.string(),
    port,
    user: z.string(),
    keyFile: z.string().optional(),
    name: z.string().optional(),
    instructions: z.string().optional(),
    prompts: z.array(z.object({ text: z.string(), echo: z.boolean() })),
  }),
  /** A prompt no longer needs an answer (answered elsewhere, timed out, or its connection gave up): close its dialog. */
  'ssh.promptClosed': z.object({ promptId: z.string(), reason: z.enum(['answered', 'timedOut', 'cancelled']) }),
  /** A connection (one chain of hops) changed state. */
  'ssh.stateChanged': z.object({
    chain: z.string(),
    host: z.string(),
    port,
    user: z.string(),
    state: z.enum(sshConnectionStates),
    attempt: z.number().int().optional(),
    retryInMs: z.number().int().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
  /** A terminal's shell ended (exit, lost connection, closed); the stream ends too. */
  'terminal.closed': z.object({ terminalId: z.string(), error: z.object({ code: z.string(), message: z.string() }).optional() }),
};
