// Shared by the engine's tests: a scripted prompter that records what it was asked, and engines
// whose host-key files live in a temp folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../../common/errors.js';
import { MemorySecretStore } from '../../secrets/memory-store.js';
import type { SecretStore } from '../../secrets/store.js';
import { createSshEngine, type EngineSetup } from '../index.js';
import type { SshEngine } from '../engine.js';
import type { AuthQuestion, HostKeyDecision, HostKeyQuestion, SshAuthMethod, SshPrompter, SshTarget } from '../types.js';

export class ScriptedPrompter implements SshPrompter {
  readonly hostKeyQuestions: HostKeyQuestion[] = [];
  readonly authQuestions: AuthQuestion[] = [];
  constructor(
    private readonly hostKeyDecision: HostKeyDecision = 'pin',
    private readonly answers: (question: AuthQuestion) => string[] | null = () => null,
  ) {}
  async confirmHostKey(question: HostKeyQuestion): Promise<HostKeyDecision> {
    this.hostKeyQuestions.push(question);
    return this.hostKeyDecision;
  }
  async askAuth(question: AuthQuestion): Promise<string[]> {
    this.authQuestions.push(question);
    const answers = this.answers(question);
    if (!answers) throw new CwError('CANCELLED', 'The admin cancelled the prompt.');
    return answers;
  }
}

export interface TestEngine {
  engine: SshEngine;
  dir: string;
  knownHostsFile: string;
  pinnedFile: string;
  secrets: SecretStore;
}

export function testEngine(setup: Partial<EngineSetup> = {}): TestEngine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ssh-test-'));
  const knownHostsFile = path.join(dir, 'known_hosts');
  const pinnedFile = path.join(dir, 'pinned-host-keys.json');
  const secrets = setup.secrets ?? new MemorySecretStore();
  const engine = createSshEngine({
    knownHostsFiles: [knownHostsFile],
    pinnedHostKeysFile: pinnedFile,
    env: {},
    reconnect: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
    ...setup,
    secrets,
  });
  return { engine, dir, knownHostsFile, pinnedFile, secrets };
}

export function directTarget(host: string, port: number, user: string, auth: SshAuthMethod[]): SshTarget {
  return { destination: { label: host, host, port, user, auth }, jumps: [] };
}
