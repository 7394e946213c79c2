// The bearer token Prometheus scrapes /metrics with: 32 random bytes in `<data folder>/metrics.token`
// (mode 0600), made once and kept, so a Prometheus configuration stays valid across restarts. It opens
// /metrics only; the connection token that opens the app is never written to a file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function metricsTokenFile(dataDir: string): string {
  return path.join(dataDir, 'metrics.token');
}

/** Reads the token, or makes it (atomically: another process racing here keeps the first one written). */
export function ensureMetricsToken(dataDir: string): { token: string; file: string } {
  const file = metricsTokenFile(dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const token = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{43,}$/.test(token)) return { token, file };
  } catch {
    // Not there yet.
  }
  const token = crypto.randomBytes(32).toString('base64url');
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, token + '\n', { mode: 0o600 });
  fs.renameSync(temp, file);
  return { token, file };
}
