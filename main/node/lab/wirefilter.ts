// Talks to a running wirefilter through its management socket (-M) to change delay, loss and bandwidth live.
import net from 'node:net';
import { CwError } from '../../common/errors.js';

/**
 * Sends commands one at a time and waits for each "1000 Success" (or an error code) before the next.
 * Bounded: the whole exchange must finish within timeoutMs.
 */
export function wirefilterCommand(socketPath: string, commands: readonly string[], timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    let transcript = '';
    let index = -1;
    const timer = setTimeout(() => fail(new CwError('TIMEOUT', `The link's wirefilter (${socketPath}) did not answer within ${timeoutMs / 1000} s.`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const next = (): void => {
      index += 1;
      if (index >= commands.length) {
        clearTimeout(timer);
        socket.end('logout\n');
        resolve(transcript);
        return;
      }
      socket.write(`${commands[index]}\n`);
    };
    socket.on('error', (error) =>
      fail(new CwError('UNREACHABLE', `Cannot reach the link's wirefilter at ${socketPath}: ${error.message}. Is the lab up? (\`clusterwright lab status\`)`)),
    );
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      // The prompt "VDEwf$ " ends the banner and every reply.
      for (let at = buffer.indexOf('VDEwf$ '); at >= 0; at = buffer.indexOf('VDEwf$ ')) {
        const reply = buffer.slice(0, at);
        buffer = buffer.slice(at + 7);
        if (index >= 0) {
          transcript += reply;
          const code = /(\d{4}) ([^\n]*)\n?\s*$/.exec(reply);
          if (code && code[1] !== '1000') {
            fail(new CwError('REMOTE_FAILED', `wirefilter refused "${commands[index]}": ${code[1]} ${code[2]}`));
            return;
          }
        }
        next();
      }
    });
  });
}
