// Starts test/bench/server/entry.ts in its own Node process (bundled with esbuild next to the
// project's node_modules), and reads what it prints.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { build } from 'esbuild';
import type { CreditStreamStats } from '../../../main/node/streams.js';

export interface ServerProcess {
  pid: number;
  url: string;
  port: number;
  /** Statistics of every stream that has ended so far. */
  streams: CreditStreamStats[];
  stop(): Promise<void>;
}

export async function startServerProcess(staticDir: string, workspaceDir: string): Promise<ServerProcess> {
  const outfile = path.resolve('test-results', 'bench-server.cjs');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.resolve('test/bench/server/entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
    define: { 'import.meta.url': '__cwImportMetaUrl' },
    banner: { js: 'const __cwImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  const child = spawn(process.execPath, [outfile, staticDir, workspaceDir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  const streams: CreditStreamStats[] = [];
  const lines = readline.createInterface({ input: child.stdout! });
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The benchmark server did not start within 20 s.')), 20_000);
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { url?: string; port?: number; stream?: CreditStreamStats };
      if (message.stream) streams.push(message.stream);
      if (message.url) {
        clearTimeout(timer);
        resolve({ url: message.url, port: message.port! });
      }
    });
    child.once('exit', (code) => reject(new Error(`The benchmark server exited with ${code}.`)));
  });
  const { url, port } = await ready;
  return {
    pid: child.pid!,
    url,
    port,
    streams,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', stopOnExit);
    },
  };
}
