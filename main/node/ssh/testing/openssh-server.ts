// A real OpenSSH server for tests: /usr/sbin/sshd -D -e on 127.0.0.1 and a free port, with its own
// host keys, an authorized client key, and everything in a temp folder. Stopped by PID, together
// with the per-connection processes it forked. Never touches /etc/ssh or any account.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../lab/system.js';

export const SSHD_BINARY = '/usr/sbin/sshd';

export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface SshdFixture {
  dir: string;
  host: '127.0.0.1';
  port: number;
  /** The local account the client logs in as (this process's user). */
  user: string;
  clientKeyFile: string;
  /** OpenSSH "SHA256:…" fingerprints of the current host keys, by type. */
  hostKeyFingerprints: Partial<Record<HostKeyType, string>>;
  /** Everything sshd wrote to stderr since it (re)started. */
  log(): string;
  /** Restart on the same port, optionally with freshly generated host keys (a "MITM" or a reinstalled host). */
  restart(options?: { newHostKeys?: boolean; hostKeyTypes?: HostKeyType[] }): Promise<void>;
  stop(): Promise<void>;
  pid(): number | undefined;
  /** The processes sshd forked for its connections (monitor, session, sftp), deepest last. */
  connectionPids(): number[];
}

export interface SshdOptions {
  hostKeyTypes?: HostKeyType[];
  extraConfig?: string[];
  /**
   * Sessions get HOME set to an empty folder of the fixture (sshd's SetEnv), so the account's own
   * start-up files do not run: root's ~/.bashrc on a developer machine can spend 80–90 ms per command
   * (a version manager), which is the machine's cost, not the engine's. For benchmarks.
   */
  cleanHome?: boolean;
}

export function sshdAvailable(): string | null {
  if (!fs.existsSync(SSHD_BINARY)) return `${SSHD_BINARY} is missing (apt-get install openssh-server)`;
  if (!fs.existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen is missing (apt-get install openssh-client)';
  if (process.getuid?.() !== 0 && !fs.existsSync('/run/sshd')) return 'sshd needs /run/sshd (run as root or create it)';
  return null;
}

function fingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1]!;
}

/** Processes whose parent is `pid` (sshd's per-connection children), read from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

function descendantsOf(pid: number): number[] {
  const direct = childrenOf(pid);
  return [...direct, ...direct.flatMap(descendantsOf)];
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  const reason = sshdAvailable();
  if (reason) throw new Error(reason);
  // sshd (as root) insists on its privilege-separation directory; it is normally made by systemd at boot.
  if (process.getuid?.() === 0 && !fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755 });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sshd-'));
  const clientKeyFile = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'clusterwright-test', '-f', clientKeyFile]);
  fs.copyFileSync(`${clientKeyFile}.pub`, path.join(dir, 'authorized_keys'));
  const cleanHome = path.join(dir, 'home');
  if (options.cleanHome) fs.mkdirSync(cleanHome);

  let hostKeyTypes = options.hostKeyTypes ?? ['ed25519'];
  let generation = 0;
  const fingerprints: Partial<Record<HostKeyType, string>> = {};
  const makeHostKeys = () => {
    generation++;
    for (const type of Object.keys(fingerprints) as HostKeyType[]) delete fingerprints[type];
    for (const type of hostKeyTypes) {
      const file = path.join(dir, `host_${type}_key_${generation}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', '', '-f', file]);
      fingerprints[type] = fingerprint(`${file}.pub`);
    }
  };
  makeHostKeys();

  const port = await freePort();
  const configFile = path.join(dir, 'sshd_config');
  const writeConfig = () =>
    fs.writeFileSync(
      configFile,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        ...hostKeyTypes.map((type) => `HostKey ${path.join(dir, `host_${type}_key_${generation}`)}`),
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'AllowTcpForwarding yes',
        'MaxSessions 10',
        'MaxStartups 100:30:200',
        'LogLevel VERBOSE',
        `Subsystem sftp internal-sftp`,
        ...(options.cleanHome ? [`SetEnv HOME=${cleanHome}`] : []),
        ...(options.extraConfig ?? []),
        '',
      ].join('\n'),
    );

  let child: ChildProcess | null = null;
  let stderr = '';

  const launch = async () => {
    writeConfig();
    stderr = '';
    const started = spawn(SSHD_BINARY, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    // Safety net: if the test process ends without stop(), do not leave this sshd behind.
    const pid = started.pid;
    const onExit = () => {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', onExit);
    started.once('exit', () => process.removeListener('exit', onExit));
    // And if this process is killed outright (a test runner's worker stopped by a signal), a watchdog
    // stops sshd within a second; it ends by itself when sshd does.
    if (pid) {
      spawn('/bin/sh', ['-c', 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill "$2" 2>/dev/null', 'sshd-watchdog', String(process.pid), String(pid)], { stdio: 'ignore', detached: true }).unref();
    }
    started.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start listening within 10 s:\n${stderr}`)), 10_000);
      started.stderr!.on('data', (text: string) => {
        stderr += text;
        if (stderr.includes('Server listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sshd exited with code ${code} before listening:\n${stderr}`));
      });
    });
  };

  const kill = async () => {
    const running = child;
    child = null;
    if (!running?.pid || running.exitCode !== null) return;
    const pid = running.pid;
    const forked = descendantsOf(pid);
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    for (const childPid of forked) {
      try {
        process.kill(childPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => running.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();

  return {
    dir,
    host: '127.0.0.1',
    port,
    user: os.userInfo().username,
    clientKeyFile,
    hostKeyFingerprints: fingerprints,
    log: () => stderr,
    pid: () => child?.pid,
    connectionPids: () => (child?.pid ? descendantsOf(child.pid) : []),
    async restart(restartOptions = {}) {
      await kill();
      if (restartOptions.hostKeyTypes) hostKeyTypes = restartOptions.hostKeyTypes;
      if (restartOptions.newHostKeys || restartOptions.hostKeyTypes) makeHostKeys();
      await launch();
    },
    async stop() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
