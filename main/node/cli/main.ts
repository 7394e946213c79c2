// Entry of the bundled CLI (dist/node/cli.cjs), started by bin/clusterwright.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

// Long-running commands (serve, start) resolve only when they are done.
void runCli(process.argv.slice(2), {
  out: writerTo(process.stdout),
  err: writerTo(process.stderr),
  isTTY: Boolean(process.stdout.isTTY),
  distDir,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
