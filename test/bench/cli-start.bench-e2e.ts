// CLI start: the built CLI as a script calls it (`node bin/clusterwright.mjs …`, the user's own
// environment), from spawning the process to its exit: --version, the help, and validate on a small
// workspace file (no measurements beside it); and the issue's own measure, exec from spawning the process
// to its first connection attempt: a TCP listener on 127.0.0.1 (a free port) is the workspace's one node
// and notes when the connection arrives; it closes it at once, so exec then fails with its "lost before
// the handshake" error, which each run must print (a broken build is not timed as a fast one). Bare `node -e 0` runs in the same rounds, alternated
// with the commands, so a busy machine shows in both; the CPU each run used (user + system, all its
// threads: from this process's reaped-children times in /proc, Linux only) says what a busy machine
// cannot distort. Medians of ROUNDS; asserts nothing about speed.
//
// validate runs as scripts call it again and again: from the code cache its first run stored (the warm-up
// run writes it). Two rows with no target say what lies under the figure: validate's first run after a build
// (its cache file removed before each such run: the compile it saves), and, when this environment sets
// NODE_EXTRA_CA_CERTS, bare node without it (Node 20 reads and parses that file at every start, before any
// of our code runs) and exec to its first connection without it (compared with that bare node).
//
// exec's floor is measured in the same rounds too: a script of one line run as `node floor.mjs`, which opens one
// TCP connection to the same listener and does nothing else. It pays what `node bin/clusterwright.mjs exec` pays
// before any of our code can act (Node's start, the ES module loader that runs a .mjs entry, loading node:net and
// the connect itself), so exec's figure minus the floor is what our own code costs on the way to the connection.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cacheHome } from '../../main/node/paths.js';
import { benchFigure, median } from './results.js';

const ROUNDS = Math.max(11, Number(process.env.CW_BENCH_ROUNDS ?? 15));
const TARGET_MS = 80;
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'bin', 'clusterwright.mjs');
const workspace = path.join(root, 'test', 'fixtures', 'workspaces', 'example.yaml');

interface Case {
  measure: string;
  args: string[];
  /** Another environment than the user's own (only for a row without a target). */
  env?: NodeJS.ProcessEnv;
  /** Run before each timed run, untimed. */
  before?: () => void;
  /** A row that explains the figures, with no target of its own. */
  info?: boolean;
  /** What a run must print and exit with, so a broken build is not timed as a fast one. */
  expectCode: number;
  expectOut: RegExp;
  /** Also what it must print on stderr. */
  expectErr?: RegExp;
  /** Timed to the first connection reaching the listener, not to the exit. */
  toConnection?: boolean;
}

// exec's workspace: one node, the listener. Its port is known once the listener listens (beforeAll).
const listener = net.createServer();
const execDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-bench-exec-'));
const execWorkspace = path.join(execDir, 'clusterwright.yaml');
let connectionArrived: ((at: bigint) => void) | null = null;
listener.on('connection', (socket) => {
  const at = process.hrtime.bigint();
  socket.destroy();
  connectionArrived?.(at);
  connectionArrived = null;
});
beforeAll(async () => {
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  fs.writeFileSync(floorScript, `process.getBuiltinModule('node:net').connect({ host: '127.0.0.1', port: ${port} }).on('error', () => {});\n`);
  fs.writeFileSync(
    execWorkspace,
    ['version: 1', 'name: exec start', 'sites:', '  - name: here', '    kind: lan', 'networks:', '  - name: mgmt', '    roles: [management]', 'nodes:', '  - name: n1', '    site: here', '    addresses:', '      mgmt: 127.0.0.1', '    ssh:', '      host: 127.0.0.1', `      port: ${port}`, '      user: nobody', ''].join('\n'),
  );
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  fs.rmSync(execDir, { recursive: true, force: true });
});
const execArgs = [cli, 'exec', execWorkspace, 'n1', '--', 'true'];
// The floor: an .mjs entry that only opens a connection to the listener (its port is filled in by beforeAll).
const floorScript = path.join(execDir, 'floor.mjs');
const floorArgs = [floorScript];
const floorConnects = { expectCode: 0, expectOut: /^$/, toConnection: true };
const execRefused = { expectCode: 1, expectOut: /^$/, expectErr: /n1 +REMOTE_FAILED: The SSH handshake with nobody@127\.0\.0\.1:\d+ failed: Connection lost before handshake/, toConnection: true };

const cases: Case[] = [
  { measure: 'bare node (node -e 0)', args: ['-e', '0'], expectCode: 0, expectOut: /^$/ },
  { measure: 'CLI start: --version', args: [cli, '--version'], expectCode: 0, expectOut: /^\d+\.\d+\.\d+/ },
  { measure: 'CLI start: --help', args: [cli, '--help'], expectCode: 0, expectOut: /Usage: clusterwright/ },
  { measure: 'CLI start: validate, small workspace', args: [cli, 'validate', workspace], expectCode: 0, expectOut: /0 errors, 0 warnings/ },
  { measure: 'CLI start: exec, process start → first connection attempt', args: execArgs, ...execRefused },
  { measure: "exec's floor: an .mjs script opening one TCP connection", args: floorArgs, ...floorConnects, info: true },
  { measure: 'CLI start: validate, first run after a build (no code cache)', args: [cli, 'validate', workspace], expectCode: 0, expectOut: /0 errors, 0 warnings/, before: removeValidateCache, info: true },
];
if (process.env.NODE_EXTRA_CA_CERTS) {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...env } = process.env;
  cases.push({ measure: 'bare node without NODE_EXTRA_CA_CERTS', args: ['-e', '0'], env, expectCode: 0, expectOut: /^$/, info: true });
  cases.push({ measure: 'CLI start: exec to first connection, without NODE_EXTRA_CA_CERTS', args: execArgs, env, ...execRefused, info: true });
  cases.push({ measure: "exec's floor without NODE_EXTRA_CA_CERTS", args: floorArgs, env, ...floorConnects, info: true });
}

/** Removes validate's code cache (the CLI's own file in the user's cache folder), so the next run compiles the bundle. */
function removeValidateCache(): void {
  const dir = path.join(cacheHome(), 'code');
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (/^cli-validate-[0-9a-f]+\.v8cache$/.test(name)) fs.rmSync(path.join(dir, name));
}

/** CPU time of this process's reaped children (user + system), ms; NaN without /proc. */
function childrenCpuMs(): number {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10; // cutime, cstime in USER_HZ (100) ticks
  } catch {
    return Number.NaN;
  }
}

const cpuMs = new Map<Case, number>();

async function timeOnce(c: Case): Promise<number> {
  c.before?.();
  const cpuBefore = childrenCpuMs();
  const connected = c.toConnection ? new Promise<bigint>((resolve) => (connectionArrived = resolve)) : null;
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, c.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...(c.env ? { env: c.env } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const exited = process.hrtime.bigint();
  cpuMs.set(c, (cpuMs.get(c) ?? 0) + childrenCpuMs() - cpuBefore);
  expect(status, `${c.args.join(' ')}: ${stderr}`).toBe(c.expectCode);
  expect(stdout).toMatch(c.expectOut);
  if (c.expectErr) expect(stderr).toMatch(c.expectErr);
  if (!connected) return Number(exited - started) / 1e6;
  connectionArrived = null;
  // The connection arrived before the process could report its loss (the error above says so).
  return Number((await connected) - started) / 1e6;
}

it(`starts the built CLI (target ≤ ${TARGET_MS} ms, median of ${ROUNDS})`, async () => {
  expect(fs.existsSync(path.join(root, 'dist', 'node', 'cli.cjs')), 'the CLI is built (npm run bench builds it)').toBe(true);
  // One warm-up of each (the page cache), then the rounds with the cases alternated.
  for (const c of cases) await timeOnce(c);
  cpuMs.clear();
  const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) for (const c of cases) samples.get(c)!.push(await timeOnce(c));
  const bare = median(samples.get(cases[0]!)!);
  // An info row in another environment is compared with bare node in that same environment.
  const bareFor = (c: Case) => (c.env ? (cases.find((b) => b.env === c.env && b.args[0] === '-e') ?? cases[0]!) : cases[0]!);
  const cpu = (c: Case) => Math.round((cpuMs.get(c) ?? Number.NaN) / ROUNDS);
  const lines: string[] = [];
  for (const c of cases) {
    const values = samples.get(c)!;
    const m = median(values);
    const range = `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))} ms, CPU ${cpu(c)} ms a run`;
    // exec's figure beside its floor (same environment, same rounds): what our own code adds on the way to the connection.
    const floor = c.toConnection && c.args !== floorArgs ? cases.find((f) => f.args === floorArgs && f.env === c.env) : undefined;
    const overFloor = floor ? `; floor ${Math.round(median(samples.get(floor)!))} ms, +${Math.round(m - median(samples.get(floor)!))} ms of our own` : '';
    if (c === cases[0] || c.info) {
      const base = bareFor(c);
      const baseMs = median(samples.get(base)!);
      const overBare = (c === base ? '' : `; ${m >= baseMs ? '+' : ''}${Math.round(m - baseMs)} ms wall, ${cpu(c) >= cpu(base) ? '+' : ''}${cpu(c) - cpu(base)} ms CPU over ${base.measure}`) + overFloor;
      benchFigure(c.measure, m, 'ms', undefined, `median of ${ROUNDS}, range ${range}${overBare}`);
      lines.push(`${c.measure.padEnd(66)} ${m.toFixed(0).padStart(5)} ms  (${range}${overBare})`);
      continue;
    }
    const row = benchFigure(c.measure, m, 'ms', { atMost: TARGET_MS }, `median of ${ROUNDS}, range ${range}; bare node ${Math.round(bare)} ms, +${Math.round(m - bare)} ms; CPU +${cpu(c) - cpu(cases[0]!)} ms${overFloor}`);
    lines.push(`${c.measure.padEnd(66)} ${m.toFixed(0).padStart(5)} ms  (${range}; +${Math.round(m - bare)} ms wall, +${cpu(c) - cpu(cases[0]!)} ms CPU over bare node${overFloor}) ${row.met ? 'met' : `NOT met (target ≤ ${TARGET_MS} ms)`}`);
  }
  console.log(['CLI start, spawn to exit (exec: to its first connection):', ...lines].join('\n'));
}, 600_000);
