// A bounded TCP throughput probe between two nodes (read-only, stops by itself): a receiver on one
// node counts bytes from first byte to end of stream, a sender on the other writes for a fixed time.
// Both are short python3 programs passed as arguments (python3 is on Debian and the hypervisor distributions built on it);
// where python3 is missing the probe says so instead of guessing.
import { isCwError } from '../../common/errors.js';
import type { RemoteRunner } from '../workspace/runner.js';

const receiver = [
  'import socket, sys, time',
  'addr, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])',
  's = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)',
  's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  's.bind((addr, port)); s.listen(1); s.settimeout(limit)',
  'c, _ = s.accept(); c.settimeout(limit)',
  'n = 0; t0 = None',
  'while True:',
  '    d = c.recv(262144)',
  '    if not d: break',
  '    if t0 is None: t0 = time.monotonic()',
  '    n += len(d)',
  't1 = time.monotonic()',
  'print(n, (t1 - t0) if t0 is not None else 0)',
  'c.close()',
].join('\n');

const sender = [
  'import socket, sys, time',
  'addr, port, secs, cap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])',
  'deadline = time.monotonic() + 15',
  'while True:',
  '    try:',
  '        c = socket.create_connection((addr, port), timeout=5); break',
  '    except (ConnectionRefusedError, socket.timeout, OSError):',
  '        if time.monotonic() > deadline: raise',
  '        time.sleep(0.1)',
  'c.settimeout(secs + 30)',
  'buf = bytes(65536); sent = 0; end = time.monotonic() + secs',
  'while time.monotonic() < end and sent < cap:',
  '    sent += c.send(buf)',
  'c.shutdown(socket.SHUT_WR)',
  'c.recv(1)',
  'print(sent)',
].join('\n');

export interface ThroughputResult {
  mbit?: number;
  bytes?: number;
  seconds?: number;
  error?: string;
}

export interface ThroughputOptions {
  /** How long the sender writes (s); default 3. */
  seconds?: number;
  /** At most this many bytes (default 256 MiB). */
  maxBytes?: number;
  port?: number;
  signal?: AbortSignal;
}

/** Sends for `seconds` from `from` to `toAddress` (an address of `to`), measured by the receiver on `to`. */
export async function measureThroughput(runner: RemoteRunner, from: string, to: string, toAddress: string, options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const seconds = options.seconds ?? 3;
  const port = options.port ?? 5201;
  const limitS = seconds + 30;
  const signal = options.signal ? { signal: options.signal } : {};
  try {
    const receiving = runner.exec(to, ['timeout', String(limitS + 5), 'python3', '-c', receiver, toAddress, String(port), String(limitS)], { timeoutMs: (limitS + 15) * 1000, ...signal });
    const sending = runner.exec(from, ['timeout', String(limitS + 5), 'python3', '-c', sender, toAddress, String(port), String(seconds), String(options.maxBytes ?? 256 * 1024 * 1024)], { timeoutMs: (limitS + 15) * 1000, ...signal });
    const [rx, tx] = await Promise.all([receiving, sending]);
    if (rx.code !== 0 || tx.code !== 0) {
      const why = [rx.code !== 0 ? `receiver on ${to}: ${lastLine(rx.stderr) || `exit ${rx.code}`}` : '', tx.code !== 0 ? `sender on ${from}: ${lastLine(tx.stderr) || `exit ${tx.code}`}` : ''].filter(Boolean).join('; ');
      return { error: /python3: (command )?not found|No such file/.test(why) ? `python3 is not installed on ${to} or ${from}; throughput not measured` : why };
    }
    const [bytesText, secondsText] = rx.stdout.trim().split(/\s+/);
    const bytes = Number(bytesText);
    const elapsed = Number(secondsText);
    if (!Number.isFinite(bytes) || !Number.isFinite(elapsed) || elapsed <= 0) return { error: `the receiver on ${to} reported "${rx.stdout.trim().slice(0, 80)}"` };
    return { bytes, seconds: Math.round(elapsed * 1000) / 1000, mbit: Math.round(((bytes * 8) / elapsed / 1_000_000) * 100) / 100 };
  } catch (error) {
    if (isCwError(error) && error.code === 'CANCELLED') throw error;
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
