// exec's arguments as the CLI's entry reads them for the first look (quickExecArgs, without node:util's parseArgs)
// and as the command reads them (parseExecArgs): the quick reading is the same or none, never a different one, and
// never one for arguments the command refuses (no early connection for a command that will not run).
import { describe, expect, it } from 'vitest';
import { parseExecArgs, quickExecArgs } from './exec-args.js';

function commandReads(args: string[]): ReturnType<typeof parseExecArgs> | Error {
  try {
    return parseExecArgs(args);
  } catch (error) {
    return error as Error;
  }
}

const vectors: string[][] = [
  ['ws', 'all', '--', 'uptime'],
  ['ws', 'pve1,pve2', '--timeout', '5', '--max-parallel', '8', '--', 'df', '-h'],
  ['--json', 'ws', 'site:home', '--max-output=100', '--', 'echo', 'x'],
  ['ws', 'all', '--accept-new', '--json', '--max-output', '0', '--', 'true'],
  ['ws', 'all', '--timeout=0.5', '--', 'true'],
  ['ws', 'all', '--timeout', '-1', '--', 'true'],
  ['ws', 'all', '--timeout=-1', '--', 'true'],
  ['ws', 'all', '--timeout', '0', '--', 'true'],
  ['ws', 'all', '--max-parallel', '0', '--', 'true'],
  ['ws', 'all', '--max-parallel', '2.5', '--', 'true'],
  ['ws', 'all', '--max-output', '10', '--', 'true'],
  ['ws', 'all', '--', ' '],
  ['ws', 'all', '--'],
  ['ws', 'all', 'uptime'],
  ['ws', '--', 'uptime'],
  ['ws', 'all', 'extra', '--', 'uptime'],
  ['ws', 'all', '--nope', '--', 'uptime'],
  ['ws', 'all', '-x', '--', 'uptime'],
  ['ws', 'all', '--json=yes', '--', 'uptime'],
  ['ws', 'all', '--timeout', '--', 'uptime'],
  ['ws', 'all', '--timeout', '--json', '--', 'uptime'],
  ['-', 'all', '--', 'uptime'],
  ['ws', 'all', '--timeout', '5', '--timeout', '7', '--', 'true'],
  ['ws', 'all', '--help', '--', 'true'],
];

describe('quickExecArgs', () => {
  it('reads the usual forms exactly as the command does, and gives up on everything else', () => {
    let read = 0;
    for (const args of vectors) {
      const quick = quickExecArgs(args);
      const full = commandReads(args);
      if (quick === undefined) continue;
      read++;
      expect(full, args.join(' ')).not.toBeInstanceOf(Error);
      expect(quick, args.join(' ')).toStrictEqual(full);
    }
    expect(read).toBeGreaterThanOrEqual(6);
    expect(quickExecArgs(['ws', 'pve1,pve2', '--timeout', '5', '--max-parallel', '8', '--', 'df', '-h'])).toMatchObject({ workspaceLocation: 'ws', selector: 'pve1,pve2', maxParallel: 8, timeoutSeconds: 5, command: 'df -h' });
    // What the command refuses is never read here.
    for (const args of [['ws', 'all', '--max-parallel', '0', '--', 'true'], ['ws', 'all', '--nope', '--', 'true'], ['ws', 'all', '--', ' '], ['ws', 'all', '--max-output', '10', '--', 'true']]) {
      expect(commandReads(args), args.join(' ')).toBeInstanceOf(Error);
      expect(quickExecArgs(args), args.join(' ')).toBeUndefined();
    }
  });
});
