// An in-memory secret store for tests and one-shot CLI runs: nothing touches the disk.
import { randomUUID } from 'node:crypto';
import { secretNotFound, type SecretInfo, type SecretKind, type SecretStore } from './store.js';

export class MemorySecretStore implements SecretStore {
  readonly description = 'memory (lost when the process ends)';
  private readonly secrets = new Map<string, { info: SecretInfo; value: string }>();

  async put(value: string, meta: { label: string; kind: SecretKind }): Promise<string> {
    const id = randomUUID();
    this.secrets.set(id, { info: { id, label: meta.label, kind: meta.kind, createdAt: new Date().toISOString() }, value });
    return id;
  }

  async get(id: string): Promise<string> {
    const entry = this.secrets.get(id);
    if (!entry) throw secretNotFound(id);
    return entry.value;
  }

  async delete(id: string): Promise<boolean> {
    return this.secrets.delete(id);
  }

  async list(): Promise<SecretInfo[]> {
    return [...this.secrets.values()].map((s) => ({ ...s.info }));
  }
}
