// One question per unknown host key: every connection that meets the same key of the same host:port
// while it is being asked about waits for that one answer (several sessions to one node, jump chains
// sharing a hop, or a reconnect after the server dropped a connection that waited too long).
import { CwError } from '../../common/errors.js';
import type { HostKeyDecision, HostKeyQuestion, SshPrompter } from './types.js';

interface OpenQuestion {
  answer: Promise<HostKeyDecision>;
  /** Withdraws the question from the admin: only when every connection waiting for it has given up. */
  withdraw: AbortController;
  waiting: number;
}

export class HostKeyQuestions {
  private readonly open = new Map<string, OpenQuestion>();

  constructor(
    private readonly prompter: SshPrompter,
    /** Called once when the answer is "pin", before any waiting connection goes on. */
    private readonly pin: (host: string, port: number, key: Buffer) => void,
  ) {}

  /** Questions being asked now (for tests and diagnostics). */
  get asking(): number {
    return this.open.size;
  }

  /** The admin's answer about this key (the blob the host presented) of this host. */
  ask(question: HostKeyQuestion, key: Buffer, signal: AbortSignal): Promise<HostKeyDecision> {
    if (signal.aborted) return Promise.reject(new CwError('CANCELLED', 'The connection attempt was cancelled while waiting for an answer.'));
    const id = `${question.host.toLowerCase()}\n${question.port}\n${question.fingerprint}`;
    let entry = this.open.get(id);
    if (!entry) {
      const withdraw = new AbortController();
      const created: OpenQuestion = {
        withdraw,
        waiting: 0,
        answer: this.prompter.confirmHostKey(question, withdraw.signal).then((decision) => {
          if (decision === 'pin') this.pin(question.host, question.port, key);
          return decision;
        }),
      };
      const forget = () => {
        if (this.open.get(id) === created) this.open.delete(id);
      };
      created.answer.then(forget, forget);
      this.open.set(id, created);
      entry = created;
    }
    const shared = entry;
    shared.waiting++;
    return new Promise<HostKeyDecision>((resolve, reject) => {
      let done = false;
      const leave = () => {
        if (done) return false;
        done = true;
        shared.waiting--;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = () => {
        if (!leave()) return;
        if (shared.waiting === 0) shared.withdraw.abort();
        reject(new CwError('CANCELLED', 'The connection attempt was cancelled while waiting for an answer.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.answer.then(
        (decision) => leave() && resolve(decision),
        (error: unknown) => leave() && reject(error),
      );
    });
  }
}
