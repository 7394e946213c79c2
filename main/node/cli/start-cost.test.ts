// The help, a command's --help and --version answer without loading any command module (each pulls in
// its share of the core), so a script asking for them pays only for starting Node.
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './index.js';
import type { CliIO } from './types.js';

const loaded: string[] = [];
vi.mock('./commands/info.js', () => (loaded.push('info'), {}));
vi.mock('./commands/serve.js', () => (loaded.push('serve'), {}));
vi.mock('./commands/lab.js', () => (loaded.push('lab'), {}));
vi.mock('./commands/validate.js', () => (loaded.push('validate'), {}));
vi.mock('./commands/latency.js', () => (loaded.push('latency'), {}));
vi.mock('./commands/plan.js', () => (loaded.push('plan'), {}));
vi.mock('./commands/exec.js', () => (loaded.push('exec'), {}));
vi.mock('./commands/hostkeys.js', () => (loaded.push('hostkeys'), {}));
vi.mock('./commands/secrets.js', () => (loaded.push('secrets'), {}));

function capture(): { io: CliIO; out: string[] } {
  const out: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => out.push(t), isTTY: false, distDir: '/nonexistent', env: {} }, out };
}

describe('clusterwright start cost', () => {
  it('lists every command in the help, and a command\'s usage, without loading one', async () => {
    const help = capture();
    expect(await runCli(['--help'], help.io)).toBe(0);
    for (const name of ['info', 'serve', 'start', 'lab', 'validate', 'latency', 'plan', 'apply', 'resume', 'status', 'exec', 'hostkeys', 'secrets']) {
      expect(help.out.join('\n')).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    const usage = capture();
    expect(await runCli(['validate', '--help'], usage.io)).toBe(0);
    expect(usage.out.join('\n')).toContain('Usage: clusterwright validate <workspace file or folder> [--json]');
    const version = capture();
    expect(await runCli(['--version'], version.io)).toBe(0);
    expect(version.out.join('\n')).toMatch(/^\d+\.\d+\.\d+/);
    expect(loaded).toEqual([]);
  });

  it('takes -h after "--" as the remote command\'s (exec … -- df -h), not as a request for help', async () => {
    const { io, out } = capture();
    await expect(runCli(['exec', 'ws', 'all', '--', 'df', '-h'], io)).rejects.toThrow();
    expect(loaded).toEqual(['exec']);
    expect(out.join('\n')).not.toContain('Usage:');
    loaded.length = 0;
    const help = capture();
    expect(await runCli(['exec', '-h', '--', 'df'], help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('Usage: clusterwright exec');
    expect(loaded).toEqual([]);
  });

  it('loads the one command that runs, and only it', async () => {
    const { io } = capture();
    // The mocked module has no command in it: running it fails, after loading exactly that file.
    await expect(runCli(['validate', 'x.yaml'], io)).rejects.toThrow();
    expect(loaded).toEqual(['validate']);
  });
});
