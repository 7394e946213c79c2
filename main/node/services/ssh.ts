// ssh.*, hostKey.*, auth.*, terminal.* and secrets.* methods: the SSH engine behind the contract.
// Prompts become events (hostKey.unknown, auth.prompt) answered by methods; terminals become
// flow-controlled streams; secrets go in by value and come out only as ids.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Workspace } from '../../common/workspace/index.js';
import type { CoreOptions } from '../core.js';
import type { Handlers } from '../dispatcher.js';
import type { EventBus } from '../events.js';
import { defaultSecretStore } from '../secrets/index.js';
import type { SecretStore } from '../secrets/store.js';
import { AuditLog, auditFilePath } from '../engine/audit.js';
import { defaultLabStateDir } from '../lab/paths.js';
import { LabHostKeys } from '../lab/trusted-host-keys.js';
import { createSshEngine, fingerprintOf, type EngineSetup } from '../ssh/index.js';
import type { SshEngine, SshShell } from '../ssh/engine.js';
import { SshConfigFile } from '../ssh/ssh-config.js';
import { resolveTarget, type SshTargetSpec } from '../ssh/target.js';
import type { AuthQuestion, HostKeyDecision, HostKeyQuestion, SshPrompter, SshTarget } from '../ssh/types.js';
import { hopName, hostPortName } from '../ssh/types.js';
import type { TrustedHostKey } from '../../common/contract/ssh.js';
import { loadWorkspaceFile } from '../ssh/workspace-file.js';
import { targetSpecForNode } from '../ssh/workspace-targets.js';
import type { StreamSource } from '../streams.js';

export interface SshServiceOptions {
  /** Where secrets live; default: memory for tests, a passphrase-sealed file when CLUSTERWRIGHT_SECRETS_PASSPHRASE is set, else a store that refuses. */
  secrets?: SecretStore;
  /** Engine settings (known_hosts files, pinned-key file, keepalive, timeouts…). */
  engine?: Partial<Omit<EngineSetup, 'secrets' | 'prompter' | 'onStateChanged'>>;
  /** ~/.ssh/config to read; null to read none. */
  sshConfigFile?: string | null;
  /** How long a prompt waits for the admin before the connection gives up (default 5 min). */
  promptTimeoutMs?: number;
  /** False where no one can answer (the CLI): unknown host keys and login questions fail at once. */
  interactive?: boolean;
}

type SshMethodNames =
  | 'ssh.test'
  | 'hostKey.answer'
  | 'hostKey.list'
  | 'hostKey.forget'
  | 'auth.answer'
  | 'terminal.open'
  | 'terminal.resize'
  | 'terminal.close'
  | 'secrets.put'
  | 'secrets.delete'
  | 'secrets.list';

interface PendingPrompt {
  kind: 'hostKey' | 'auth';
  settle(answer: { decision?: HostKeyDecision; answers?: string[]; cancel?: boolean }): void;
}

/** Turns the engine's questions into events, and the answer methods back into answers. */
export class PromptBroker implements SshPrompter {
  private readonly pending = new Map<string, PendingPrompt>();

  constructor(
    private readonly events: EventBus,
    private readonly timeoutMs: number,
  ) {}

  private wait<T>(kind: PendingPrompt['kind'], signal: AbortSignal, announce: (promptId: string) => void, interpret: (answer: Parameters<PendingPrompt['settle']>[0]) => T, onTimeout: () => Error): Promise<T> {
    const promptId = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const done = (reason: 'answered' | 'timedOut' | 'cancelled') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.pending.delete(promptId);
        this.events.emit('ssh.promptClosed', { promptId, reason });
      };
      const timer = setTimeout(() => {
        done('timedOut');
        reject(onTimeout());
      }, this.timeoutMs);
      const onAbort = () => {
        done('cancelled');
        reject(new CwError('CANCELLED', 'The connection attempt was cancelled while waiting for an answer.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(promptId, {
        kind,
        settle: (answer) => {
          done('answered');
          try {
            resolve(interpret(answer));
          } catch (error) {
            reject(error);
          }
        },
      });
      announce(promptId);
    });
  }

  confirmHostKey(question: HostKeyQuestion, signal: AbortSignal): Promise<HostKeyDecision> {
    return this.wait(
      'hostKey',
      signal,
      (promptId) => this.events.emit('hostKey.unknown', { promptId, ...question }),
      (answer) => answer.decision ?? 'reject',
      () => new CwError('HOST_KEY_UNKNOWN', `No one confirmed the host key of ${question.host}:${question.port} (${question.fingerprint}) within ${Math.round(this.timeoutMs / 1000)} s; nothing was sent. Connect again and confirm it.`),
    );
  }

  askAuth(question: AuthQuestion, signal: AbortSignal): Promise<string[]> {
    return this.wait(
      'auth',
      signal,
      (promptId) => this.events.emit('auth.prompt', { promptId, ...question }),
      (answer) => {
        if (answer.cancel || !answer.answers) throw new CwError('CANCELLED', `You cancelled the login to ${hopName(question)}.`);
        return answer.answers;
      },
      () => new CwError('CANCELLED', `No answer to the ${question.kind} prompt for ${hopName(question)} within ${Math.round(this.timeoutMs / 1000)} s; the login was abandoned.`),
    );
  }

  answer(promptId: string, kind: PendingPrompt['kind'], answer: Parameters<PendingPrompt['settle']>[0]): void {
    const pending = this.pending.get(promptId);
    if (!pending || pending.kind !== kind) {
      throw new CwError('NOT_FOUND', `The prompt ${promptId} is no longer waiting (answered elsewhere, timed out, or its connection gave up).`, { promptId });
    }
    pending.settle(answer);
  }

  get waiting(): number {
    return this.pending.size;
  }
}

export interface SshService {
  handlers: Pick<Handlers, SshMethodNames>;
  /** The secret store behind secrets.* (other services look secrets up here by id). */
  secrets: SecretStore;
  /** The engine, created on first use (tests, the CLI, the runner for workspace commands). */
  engine(): SshEngine;
  resolve(spec: SshTargetSpec): SshTarget;
  close(): Promise<void>;
}

export interface SshServiceDeps {
  events: EventBus;
  /** The workspace open in the app, for terminals opened on a node by name. */
  currentWorkspace?: () => Promise<Workspace | undefined>;
}

export function createSshService(options: CoreOptions, deps: SshServiceDeps): SshService {
  const { events } = deps;
  const settings = options.ssh ?? {};
  const secrets = settings.secrets ?? defaultSecretStore(options.hostKind);
  const prompts = new PromptBroker(events, settings.promptTimeoutMs ?? 5 * 60_000);
  const terminals = new Map<string, SshShell>();
  let engine: SshEngine | null = null;

  // The lab this core starts and stops: its own hosts' keys are trusted for exactly those hosts while it runs.
  const labKeys = new LabHostKeys(options.lab?.stateDir ?? defaultLabStateDir());
  const getEngine = (): SshEngine =>
    (engine ??= createSshEngine({
      scopedHostKeys: [labKeys],
      ...settings.engine,
      secrets,
      prompter: settings.interactive === false ? null : prompts,
      onStateChanged: (change) => events.emit('ssh.stateChanged', change),
    }));
  const audit = new AuditLog(auditFilePath(options.workspaceDir));

  const trustedKeys = (host?: string, port?: number): TrustedHostKey[] => {
    const matches = (h: string, p: number) => (host === undefined || h === host.toLowerCase()) && (port === undefined || p === port);
    const pinned = getEngine()
      .hostKeys.pinned.list()
      .filter((k) => matches(k.host, k.port))
      .map(({ host: h, port: p, keyType, fingerprint, pinnedAt }) => ({ host: h, port: p, keyType, fingerprint, source: 'pinned' as const, pinnedAt }));
    const lab = labKeys
      .entries()
      .filter((k) => matches(k.host, k.port))
      .map((k) => ({ host: k.host, port: k.port, keyType: k.keyType, fingerprint: fingerprintOf(k.key), source: 'lab' as const, lab: k.source }));
    return [...pinned, ...lab];
  };

  const resolve = (spec: SshTargetSpec): SshTarget => {
    const configFile = settings.sshConfigFile === undefined ? path.join(os.homedir(), '.ssh', 'config') : settings.sshConfigFile;
    const config = configFile === null ? null : SshConfigFile.load(configFile);
    return resolveTarget(spec, { config, ...(settings.engine?.env ? { env: settings.engine.env } : {}) });
  };

  /** The named workspace file, else the one open in the app, else the default workspace folder's. */
  const workspaceFor = async (location: string | undefined): Promise<Workspace> => {
    if (location) return loadWorkspaceFile(location).workspace;
    const current = await deps.currentWorkspace?.();
    return current ?? loadWorkspaceFile(options.workspaceDir).workspace;
  };

  const handlers: Pick<Handlers, SshMethodNames> = {
    'ssh.test': async (input, ctx) => getEngine().test(resolve(input.target), ctx.signal),
    'hostKey.answer': (input) => {
      prompts.answer(input.promptId, 'hostKey', { decision: input.decision });
      return { ok: true as const };
    },
    'hostKey.list': async (input) => {
      if (input.node === undefined) return { keys: trustedKeys(input.host, input.port) };
      // Where the node's SSH settings lead (ssh.host, port, ~/.ssh/config HostName): the keys that host presents.
      const { destination } = resolve(targetSpecForNode(await workspaceFor(undefined), input.node));
      return { keys: trustedKeys(destination.host, destination.port), host: destination.host, port: destination.port };
    },
    'hostKey.forget': (input) => {
      const where = hostPortName(input.host.toLowerCase(), input.port);
      const pinned = getEngine().hostKeys.pinned;
      const keys = trustedKeys(input.host, input.port).filter((k) => k.source === 'pinned' && (input.keyType === undefined || k.keyType === input.keyType));
      if (keys.length === 0) {
        const lab = trustedKeys(input.host, input.port).find((k) => k.source === 'lab');
        throw new CwError(
          'NOT_FOUND',
          lab
            ? `No key is pinned for ${where}${input.keyType ? ` of type ${input.keyType}` : ''}; ${lab.lab} vouches for its ${lab.keyType} key while it runs, and that trust ends with \`lab down\`.`
            : `No key is pinned for ${where}${input.keyType ? ` of type ${input.keyType}` : ''} (see hostkeys list). Keys in your known_hosts files are yours to edit: ssh-keygen -R.`,
          { host: input.host, port: input.port },
        );
      }
      const removed = pinned.forget(input.host, input.port, input.keyType);
      for (const key of keys) {
        audit.append({ at: new Date().toISOString(), target: `host ${where}`, operation: 'forget-host-key', purpose: 'admin', what: `${key.keyType} ${key.fingerprint}`, outcome: 'forgotten', by: options.hostKind });
      }
      return { removed, keys };
    },
    'auth.answer': (input) => {
      prompts.answer(input.promptId, 'auth', { ...(input.answers ? { answers: input.answers } : {}), ...(input.cancel ? { cancel: true } : {}) });
      return { ok: true as const };
    },
    'terminal.open': async (input, ctx) => {
      const spec: SshTargetSpec = input.target.kind === 'node' ? targetSpecForNode(await workspaceFor(input.target.workspace), input.target.node) : input.target;
      const target = resolve(spec);
      if (input.target.kind === 'node') target.destination.label = input.target.node;
      const shell = await getEngine().openShell(target, { rows: input.rows, cols: input.cols, ...(input.term ? { term: input.term } : {}), signal: ctx.signal });
      const terminalId = randomUUID();
      terminals.set(terminalId, shell);
      // Optional session log: the raw output, appended as it arrives, readable by this user only.
      let logFile: string | undefined;
      if (input.log) {
        const dir = path.join(options.workspaceDir, 'terminal-logs');
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const label = target.destination.label.replace(/[^A-Za-z0-9._-]/g, '_');
        logFile = path.join(dir, `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
        const log = fs.createWriteStream(logFile, { flags: 'a', mode: 0o600 });
        log.on('error', () => undefined);
        shell.onData((chunk) => log.write(chunk));
        shell.onEnd(() => log.end());
      }
      shell.onEnd((error) => {
        terminals.delete(terminalId);
        const code = error instanceof CwError ? error.code : 'UNREACHABLE';
        events.emit('terminal.closed', { terminalId, ...(error ? { error: { code, message: error.message } } : {}) });
      });
      const source: StreamSource = {
        onData: (listener) => shell.onData(listener),
        onEnd: (listener) => shell.onEnd(listener),
        pause: () => shell.pause(),
        resume: () => shell.resume(),
        write: (data) => shell.write(data),
        close: () => shell.close(),
      };
      try {
        const streamId = ctx.session.openStream(source);
        return { terminalId, streamId, title: `${target.destination.user}@${target.destination.label}`, ...(logFile ? { logFile } : {}) };
      } catch (error) {
        shell.close();
        throw error;
      }
    },
    'terminal.resize': (input) => {
      const shell = terminals.get(input.terminalId);
      if (!shell) throw new CwError('NOT_FOUND', `There is no open terminal ${input.terminalId} (it may have ended).`);
      shell.resize(input.rows, input.cols, input.heightPx ?? 0, input.widthPx ?? 0);
      return { ok: true as const };
    },
    'terminal.close': (input) => {
      const shell = terminals.get(input.terminalId);
      shell?.close();
      return { closed: Boolean(shell) };
    },
    'secrets.put': async (input) => ({ id: await secrets.put(input.value, { label: input.label, kind: input.kind }) }),
    'secrets.delete': async (input) => ({ deleted: await secrets.delete(input.id) }),
    'secrets.list': async () => ({ store: secrets.description, secrets: await secrets.list() }),
  };

  return {
    handlers,
    secrets,
    engine: getEngine,
    resolve,
    async close() {
      for (const shell of terminals.values()) shell.close();
      terminals.clear();
      await engine?.closeAll();
    },
  };
}
