// Lab tests' harness: skips a file (with the reason) where the lab cannot run, unless CW_REQUIRE_LAB=1,
// and starts a lab for a file that stops by itself in afterAll, even when a test failed.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import { loadLabSpec, preflight, startLab, stopLab, type Lab } from '../../main/node/lab/index.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';

function skipReason(): string | undefined {
  try {
    preflight();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const labSkipReason = skipReason();

/**
 * What a lab suite does here: run; skip (the reason is shown) where it cannot run; or fail where it
 * cannot run although CW_REQUIRE_LAB=1 says it must (CI), so a skip never passes for a success.
 */
export function labSuiteMode(reason: string | undefined, env: NodeJS.ProcessEnv = process.env): 'run' | 'skip' | 'fail' {
  if (!reason) return 'run';
  return env.CW_REQUIRE_LAB === '1' ? 'fail' : 'skip';
}

export interface LabSuiteOptions {
  /** A further reason this suite cannot run here now (checked when the file is collected), e.g. a lab of the user's it would replace. */
  unless?: () => string | undefined;
}

/**
 * describe() for lab tests — every file under test/lab goes through it (test/integration/lab-harness.test.ts
 * checks): skipped with the reason when the lab cannot run here; a failure under CW_REQUIRE_LAB=1.
 */
export function describeLab(name: string, body: () => void, options: LabSuiteOptions = {}): void {
  const reason = labSkipReason ?? options.unless?.();
  const mode = labSuiteMode(reason);
  if (mode === 'skip') {
    describe.skip(`${name} (skipped: ${reason})`, body);
    return;
  }
  if (mode === 'fail') {
    // The body is not even collected: nothing of the suite (no lab, no hook) runs where it cannot.
    describe(name, () => {
      it('can run here (CW_REQUIRE_LAB=1)', () => {
        throw new Error(`CW_REQUIRE_LAB=1 but this lab suite cannot run here: ${reason}`);
      });
    });
    return;
  }
  describe(name, body);
}

export interface LabHandle {
  /** The running lab (throws before beforeAll has started it). */
  readonly lab: Lab;
}

/**
 * Starts a lab from YAML text in beforeAll and removes it in afterAll. The state directory is a fresh
 * short path under /tmp; `replace` clears what a crashed earlier run with the same prefix left behind.
 */
export function useLab(yamlText: string, prefix: string): LabHandle {
  let lab: Lab | undefined;
  let stateDir: string | undefined;
  beforeAll(async () => {
    stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
    lab = await startLab(loadLabSpec(yamlText, `(test ${prefix})`), { stateDir, prefix, replace: true });
  }, 60_000);
  afterAll(async () => {
    if (stateDir) {
      await stopLab(stateDir, { prefix });
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
  return {
    get lab(): Lab {
      if (!lab) throw new Error('The lab is not up (its beforeAll failed or has not run).');
      return lab;
    },
  };
}

export interface PingResult {
  sent: number;
  received: number;
  lossPercent: number;
  avgMs?: number;
  mdevMs?: number;
  /** Median of the replies: robust against the odd late reply on a busy 2-core machine. */
  medianMs?: number;
  samplesMs: number[];
}

/** ping from inside a lab host; parses the summary. */
export async function pingFrom(lab: Lab, host: string, address: string, count: number, intervalS = 0.1): Promise<PingResult> {
  const result = await lab.exec(host, ['ping', '-n', '-c', String(count), '-i', String(intervalS), '-W', '1', address], { timeoutMs: (count * intervalS + 5) * 1000 });
  const counts = /(\d+) packets transmitted, (\d+) received/.exec(result.stdout);
  if (!counts) throw new Error(`ping on ${host} to ${address} printed no summary: ${result.stdout} ${result.stderr}`);
  const sent = Number(counts[1]);
  const received = Number(counts[2]);
  const rtt = /= [\d.]+\/([\d.]+)\/[\d.]+\/([\d.]+) ms/.exec(result.stdout);
  const samplesMs = [...result.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
  const mid = samplesMs.length / 2;
  const medianMs = samplesMs.length ? (samplesMs.length % 2 ? samplesMs[Math.floor(mid)]! : (samplesMs[mid - 1]! + samplesMs[mid]!) / 2) : undefined;
  return {
    sent,
    received,
    lossPercent: (100 * (sent - received)) / sent,
    samplesMs,
    ...(rtt ? { avgMs: Number(rtt[1]), mdevMs: Number(rtt[2]) } : {}),
    ...(medianMs !== undefined ? { medianMs } : {}),
  };
}

/**
 * The app's core on a lab's workspace folder, trusting the lab's recorded host keys (its known_hosts),
 * never prompting, with its pinned keys in `home` (one app's data folder).
 */
export function labWorkspaceCore(lab: Lab, home: string): Core {
  return createCore({
    hostKind: 'test',
    workspaceDir: path.dirname(lab.workspacePath),
    ssh: {
      secrets: new MemorySecretStore(),
      sshConfigFile: null,
      interactive: false,
      engine: { knownHostsFiles: [lab.knownHostsPath], pinnedHostKeysFile: path.join(home, 'pins.json') },
    },
  });
}

/** labWorkspaceCore for a suite's lab: opened on its workspace in beforeAll, closed (and its data folder removed) in afterAll. */
export function useLabWorkspaceCore(handle: LabHandle): { readonly core: Core } {
  let core: Core | undefined;
  let home: string | undefined;
  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-lab-app-'));
    core = labWorkspaceCore(handle.lab, home);
    await core.call('workspace.open', { path: handle.lab.workspacePath, remember: false });
  });
  afterAll(async () => {
    await core?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
  return {
    get core(): Core {
      if (!core) throw new Error('The app core is not up (its beforeAll failed or has not run).');
      return core;
    },
  };
}
