// clusterwright hostkeys: the host keys Clusterwright trusts by itself (pinned with "Trust and remember" or
// --accept-new, and a running lab's own hosts), and forgetting a pinned one after a host was reinstalled.
// Forgetting is recorded in the workspace's audit log. The admin's known_hosts files are theirs (ssh-keygen -R).
import { parseArgs } from 'node:util';
import { auditFilePath } from '../../engine/audit.js';
import { hostPortName as hostPort } from '../../ssh/types.js';
import { exitCodes, UsageError, type CliCommand } from '../types.js';
import { commandInfo } from './catalogue.js';
import { withCore } from '../with-core.js';


/** "pve1", "pve1:2222", "198.18.1.11", "[fd00::1]:22", "fd00::1" → host and port (22 unless given). */
export function parseHostPort(text: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  let host = text;
  let portText: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (text.split(':').length === 2) {
    [host, portText] = text.split(':') as [string, string];
  }
  if (!host || /\s/.test(host)) throw new UsageError(`"${text}" is not a host: give HOST or HOST:PORT ([IPv6]:PORT).`);
  if (portText === undefined) return { host, port: 22 };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new UsageError(`"${portText}" in "${text}" is not a TCP port (1–65535).`);
  return { host, port };
}

export const hostkeysCommand: CliCommand = {
  ...commandInfo.hostkeys,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, type: { type: 'string' }, workspace: { type: 'string' } }, allowPositionals: true, strict: true });
    const [verb, ...rest] = positionals;
    switch (verb) {
      case 'list': {
        if (rest.length || values.type) throw new UsageError('hostkeys list takes no arguments besides --json and --workspace.');
        return withCore({ workspace: values.workspace }, async (core) => {
          const { keys } = await core.call('hostKey.list', {});
          if (values.json) io.out(JSON.stringify({ keys }, null, 2));
          else if (!keys.length) io.out('No host keys are pinned, and no lab vouches for any. (Keys in your known_hosts files are yours: ssh-keygen -F HOST.)');
          else {
            const width = Math.max(...keys.map((k) => hostPort(k.host, k.port).length));
            for (const k of keys) {
              const source = k.source === 'lab' ? `${k.lab ?? 'the lab'} (until lab down)` : `pinned ${k.pinnedAt ?? ''}`.trim();
              io.out(`${hostPort(k.host, k.port).padEnd(width)}  ${k.keyType.padEnd(20)} ${k.fingerprint}  ${source}`);
            }
          }
          return exitCodes.ok;
        });
      }
      case 'forget': {
        const [target] = rest;
        if (!target || rest.length > 1) throw new UsageError('hostkeys forget takes one HOST or HOST:PORT (see hostkeys list).');
        const { host, port } = parseHostPort(target);
        return withCore({ workspace: values.workspace }, async (core) => {
          const result = await core.call('hostKey.forget', { host, port, ...(values.type ? { keyType: values.type } : {}) });
          const auditLog = auditFilePath(core.options.workspaceDir);
          if (values.json) io.out(JSON.stringify({ ...result, auditLog }, null, 2));
          else {
            for (const k of result.keys) io.out(`Forgot the ${k.keyType} key ${k.fingerprint} of ${hostPort(k.host, k.port)}.`);
            io.out(`Recorded in ${auditLog}. The next connection asks about the key the host presents.`);
          }
          return exitCodes.ok;
        });
      }
      default:
        throw new UsageError(verb ? `Unknown hostkeys command "${verb}".` : 'Which hostkeys command? list or forget.');
    }
  },
};
