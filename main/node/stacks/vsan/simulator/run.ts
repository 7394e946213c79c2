// Starts the lab's vCenter simulator on a loopback port the kernel picks, and proves the port is ours:
// the process we started reports its pid and address, and the certificate on that address is the one it
// made at start. The login is passed in the environment (never argv); the simulator exits when we stop it
// or when our process dies (its standard input closes).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { CwError } from '../../../../common/errors.js';
import { normalizeThumbprint } from '../../../../common/stacks/vsan/thumbprint.js';
import { readPeerCertificate } from '../../../tls/certificate.js';

export interface SimulatorOptions {
  binary: string;
  username: string;
  password: string;
  /** When set, the only root password the simulated ESXi hosts accept. */
  hostPassword?: string;
  /** How long a vMotion runs in the simulator (default 1 s). */
  vmotionMs?: number;
  startTimeoutMs?: number;
}

export interface RunningSimulator {
  host: string;
  port: number;
  /** SHA-256 of the simulator's certificate, `AA:BB:…`. */
  thumbprint: string;
  pid: number;
  vsanVersion: string;
  /** Milliseconds from spawn to a verified listening port. */
  startMs: number;
  stderrTail(): string;
  stop(): Promise<void>;
}

async function certificateOn(host: string, port: number, timeoutMs: number): Promise<string> {
  const cert = await readPeerCertificate(host, port, { timeoutMs, timeoutError: () => new Error('TLS handshake timed out'), connectError: (err) => err });
  return cert.fingerprint;
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const started = Date.now();
  const child = spawn(options.binary, ['-l', '127.0.0.1:0', `-vmotion-time=${options.vmotionMs ?? 1000}ms`], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      CW_VCSIM_USERNAME: options.username,
      CW_VCSIM_PASSWORD: options.password,
      ...(options.hostPassword ? { CW_VCSIM_HOST_PASSWORD: options.hostPassword } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n').filter(Boolean));
    if (stderr.length > 50) stderr.splice(0, stderr.length - 50);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timers = [setTimeout(() => child.kill('SIGTERM'), 3000), setTimeout(() => child.kill('SIGKILL'), 6000)];
    await exited;
    timers.forEach(clearTimeout);
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new CwError('TIMEOUT', `The vCenter simulator did not report its address within ${(options.startTimeoutMs ?? 30_000) / 1000} s.`)), options.startTimeoutMs ?? 30_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(buf.slice(0, nl));
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new CwError('MISSING_DEPENDENCY', `Cannot start the vCenter simulator ${options.binary}: ${err.message}`));
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new CwError('REMOTE_FAILED', `The vCenter simulator exited (code ${code}) before it listened: ${stderr.slice(-5).join(' | ')}`));
      });
    });
    const info = JSON.parse(line) as { address: string; thumbprint: string; pid: number; vsanVersion: string };
    const sep = info.address.lastIndexOf(':');
    const host = info.address.slice(0, sep).replace(/^\[|\]$/g, '');
    const port = Number(info.address.slice(sep + 1));
    if (info.pid !== child.pid) throw new CwError('CONFLICT', `The simulator reported pid ${info.pid}, but the process started is ${child.pid}.`);
    if (!net.isIP(host) || !(host.startsWith('127.') || host === '::1')) throw new CwError('CONFLICT', `The simulator listens on ${info.address}, which is not a loopback address.`);
    const thumbprint = normalizeThumbprint(info.thumbprint, 32);
    const seen = await certificateOn(host, port, 5000);
    if (seen !== thumbprint) throw new CwError('CONFLICT', `Port ${port} presents certificate ${seen}, not the simulator's ${thumbprint}: another process answers there.`);
    return { host, port, thumbprint, pid: child.pid!, vsanVersion: info.vsanVersion, startMs: Date.now() - started, stderrTail: () => stderr.join('\n'), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
