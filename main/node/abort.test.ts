// Many operations under one cancel signal leave one listener on it while they run and none afterwards, so Node's
// "Possible EventTarget memory leak … 11 abort listeners" warning never fires for a fan-out and nothing leaks.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childSignal, sleepUnlessAborted, withChildSignal } from './abort.js';
import { startInProcessSshd, type InProcessSshd } from './ssh/testing/ssh2-server.js';
import { directTarget, testEngine, type TestEngine } from './ssh/testing/engine-helpers.js';
import { LocalRunner } from './workspace/runner.js';

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

let warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

describe('child signals', () => {
  it('a thousand children add one listener to the parent, removed with the last; an abort reaches every live child', () => {
    const parent = new AbortController();
    const children = Array.from({ length: 1000 }, () => childSignal(parent.signal));
    expect(abortListeners(parent.signal)).toBe(1);
    for (const child of children.slice(0, 999)) child.release();
    expect(abortListeners(parent.signal)).toBe(1);
    const last = children[999]!;
    const another = childSignal(parent.signal);
    parent.abort(new Error('stop'));
    expect(last.signal.aborted).toBe(true);
    expect(another.signal.aborted).toBe(true);
    expect(children[0]!.signal.aborted).toBe(false);
    expect(abortListeners(parent.signal)).toBe(0);
  });

  it('waits that end normally leave no listener behind', async () => {
    const parent = new AbortController();
    for (let i = 0; i < 50; i++) await sleepUnlessAborted(0, parent.signal);
    await withChildSignal(parent.signal, async () => undefined);
    expect(abortListeners(parent.signal)).toBe(0);
  });
});

describe('fan-outs under one signal', () => {
  let sshd: InProcessSshd | undefined;
  let engine: TestEngine | undefined;
  afterEach(async () => {
    await engine?.engine.closeAll();
    await sshd?.close();
  });

  it('SSH: 30 commands in a row and 20 at once on one signal keep at most one listener on it, none after, and no warning', async () => {
    sshd = await startInProcessSshd({ password: 'pw' });
    engine = testEngine({ acceptNewHostKeys: true });
    const id = await engine.secrets.put('pw', { label: 'admin', kind: 'password' });
    const target = directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]);
    const shared = new AbortController();
    for (let i = 0; i < 30; i++) await engine.engine.run(target, 'echo hi', { signal: shared.signal });
    expect(abortListeners(shared.signal)).toBe(0);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, abortListeners(shared.signal))), 1);
    const results = await Promise.all(Array.from({ length: 20 }, () => engine!.engine.run(target, 'echo hi', { signal: shared.signal })));
    clearInterval(sampler);
    expect(results.every((r) => r.stdout === 'hi\n')).toBe(true);
    expect(most).toBeLessThanOrEqual(1);
    expect(abortListeners(shared.signal)).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
  });

  it('local commands (latency on this machine): 24 at once keep at most one listener on the shared signal', async () => {
    const shared = new AbortController();
    const runner = new LocalRunner();
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, abortListeners(shared.signal))), 1);
    await Promise.all(Array.from({ length: 24 }, (_, i) => runner.exec(`n${i}`, ['sleep', '0.05'], { timeoutMs: 5_000, signal: shared.signal })));
    clearInterval(sampler);
    expect(most).toBeLessThanOrEqual(1);
    expect(abortListeners(shared.signal)).toBe(0);
  });
});
