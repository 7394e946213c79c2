// Entry of the bundled CLI (dist/node/cli.cjs), started by bin/clusterwright.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EarlyTcp } from '../ssh/early-tcp.js';
import { runCli } from './index.js';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A reader that stops early (`clusterwright validate --json f | head -c 10`) closes the pipe: Node then reports
 * EPIPE on the stream, which would end the process with a stack trace. Drop the rest of the output quietly
 * instead; the command still finishes and exits with its own code.
 */
function writerTo(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      closed = true;
      return;
    }
    throw error;
  });
  return (text) => {
    if (!closed && !stream.destroyed) stream.write(text + '\n');
  };
}

const argv = process.argv.slice(2);

void (async () => {
  // `clusterwright exec`: its first TCP connections open now, before the command's code is even loaded
  // (first-hops.ts); the command adopts them. Nothing is sent on them before the whole workspace has been read and checked.
  // bin/clusterwright.mjs has opened them already (before loading this file): the same ones come back.
  let preconnected: EarlyTcp[] | undefined;
  if (argv[0] === 'exec') {
    const firstLook = await import('./early/first-look.js');
    preconnected = firstLook.firstConnections(argv, process.env);
    // Let the connection attempts leave before loading the command holds the event loop.
    if (preconnected?.length) await firstLook.attemptsUnderWay(preconnected);
  }
  // Long-running commands (serve, start) resolve only when they are done.
  const code = await runCli(argv, {
    out: writerTo(process.stdout),
    err: writerTo(process.stderr),
    isTTY: Boolean(process.stdout.isTTY),
    distDir,
    env: process.env,
    ...(preconnected ? { preconnected } : {}),
  });
  // One the command never took (it stopped before reading the workspace) is closed, having sent nothing.
  for (const early of preconnected ?? []) early.socket.destroy();
  process.exitCode = code;
})();
