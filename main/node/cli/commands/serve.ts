// clusterwright serve / start: web mode on 127.0.0.1, or the desktop window where Electron is present.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startWebHost } from '../../../server/web-host.js';
import { createCore } from '../../core.js';
import { detectElectron } from '../../electron-binary.js';
import { dataHome } from '../../paths.js';
import { findBrowser, whyNoBrowser } from '../../browser.js';
import { ensureMetricsToken } from '../../monitor/metrics-token.js';
import { exitCodes, UsageError, type CliCommand, type CliIO } from '../types.js';
import { commandInfo } from './catalogue.js';

const options = {
  port: { type: 'string' },
  workspace: { type: 'string' },
  'no-open': { type: 'boolean' },
  web: { type: 'boolean' },
} as const;

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a TCP port number (1–65535), got "${value}".`);
  return port;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function serveWeb(io: CliIO, values: { port?: string; workspace?: string }, open: boolean): Promise<number> {
  const port = parsePort(values.port);
  const rendererDir = path.join(io.distDir, 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    io.err('The renderer is not built yet: run `npm run build` first (npm start does it for you).');
    return exitCodes.missingDependency;
  }
  const core = createCore({ hostKind: 'web', ...(values.workspace ? { workspaceDir: path.resolve(values.workspace) } : {}) });
  let host;
  let metrics;
  try {
    metrics = ensureMetricsToken(dataHome(io.env));
    host = await startWebHost({ core, staticDir: rendererDir, port, metricsToken: metrics.token });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(code === 'EADDRINUSE' ? `Port ${port} on 127.0.0.1 is already in use: choose another with --port, or leave it out for a free one.` : `Could not start the web host: ${(error as Error).message}`);
    return exitCodes.failed;
  }
  io.out(`Clusterwright web mode is listening on 127.0.0.1:${host.port} (this machine only).`);
  io.out(`Workspace folder: ${core.options.workspaceDir}`);
  io.out(`Prometheus: scrape http://127.0.0.1:${host.port}/metrics with the bearer token in ${metrics.file} (it opens /metrics only).`);
  const secrets = await core.call('secrets.status', {}).catch(() => undefined);
  if (secrets?.lockable) {
    io.out(
      secrets.state === 'unlocked'
        ? `Secret store: ${secrets.description} (unlocked).`
        : `Secret store: ${secrets.description} — ${secrets.exists ? 'locked' : 'not created yet'}; the app asks for its passphrase when something needs it.`,
    );
  }
  io.out(`Open this URL (it carries the connection token; do not share it):\n  ${host.url}`);
  if (open) {
    const browser = findBrowser(io.env);
    if (browser) {
      const profile = path.join(dataHome(io.env), 'browser-profile');
      const child = spawn(browser.command, browser.args(host.url, profile), { stdio: 'ignore', detached: true });
      child.on('error', () => io.err(`Could not start ${browser.command}; open the URL above yourself.`));
      child.unref();
      io.out(`Opened ${browser.label}.`);
    } else {
      io.out(whyNoBrowser(io.env));
    }
  }
  io.out('Press Ctrl+C to stop.');
  await untilSignal();
  await host.close();
  await core.close();
  return exitCodes.ok;
}

export const serveCommand: CliCommand = {
  ...commandInfo.serve,
  async run(args, io) {
    const { values } = parseArgs({ args, options, strict: true });
    return serveWeb(io, values, false);
  },
};

export const startCommand: CliCommand = {
  ...commandInfo.start,
  async run(args, io) {
    const { values } = parseArgs({ args, options, strict: true });
    const electron = detectElectron(io.env);
    if (!values.web && electron.available && electron.binary) {
      const main = path.join(io.distDir, 'electron', 'main.cjs');
      const env: NodeJS.ProcessEnv = { ...io.env, ...(values.workspace ? { CLUSTERWRIGHT_WORKSPACE: path.resolve(values.workspace) } : {}) };
      delete env.ELECTRON_RUN_AS_NODE;
      io.out('Opening the Clusterwright desktop window…');
      const child = spawn(electron.binary, [main], { stdio: 'inherit', env });
      return new Promise((resolve) => {
        child.on('exit', (code) => resolve(code ?? exitCodes.failed));
        child.on('error', (error) => {
          io.err(`Could not start Electron: ${error.message}`);
          resolve(exitCodes.failed);
        });
      });
    }
    if (!values.web) io.out(`Desktop window not available: ${electron.reason}. Starting web mode instead.`);
    return serveWeb(io, values, !values['no-open']);
  },
};
