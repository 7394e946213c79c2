// `pvesh` stand-in for lab hosts (bundled to one file): calls this node's Proxmox test server as
// root@pam, like the real pvesh does locally; worker tasks are followed and their log printed.
import fs from 'node:fs';
import path from 'node:path';
import { PveApiSchema } from '../api-schema.js';
import { PveClient } from '../client.js';

/** Written by the test server into the host's private /root when it starts and whenever its certificate changes. */
export const pveshConfigPath = '/root/.config/cw-pve-test/api.json';

export interface PveshConfig {
  host: string;
  port: number;
  fingerprint: string;
  rootPassword: string;
}

/** installPveStandIns puts the API schema beside this executable (mounted into every lab host). */
function schemaBesideMe(): string {
  return path.join(path.dirname(process.argv[1] ?? '.'), 'pve-apidata.json');
}

const verbs: Record<string, 'GET' | 'POST' | 'PUT' | 'DELETE'> = { get: 'GET', ls: 'GET', create: 'POST', set: 'PUT', delete: 'DELETE' };

function parseOptions(args: string[]): { params: Record<string, string>; json: boolean } {
  const params: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m) throw new Error(`400 unable to parse option '${args[i]}'`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new Error(`400 missing value for option '--${m[1]}'`);
    if (m[1] === 'output-format') json = value.startsWith('json');
    else params[m[1]!] = value;
  }
  return { params, json };
}

export async function main(argv: string[]): Promise<number> {
  const [verb, apiPath, ...rest] = argv;
  const method = verb ? verbs[verb] : undefined;
  if (!method || !apiPath?.startsWith('/')) {
    process.stderr.write('USAGE: pvesh <get|create|set|delete> <api_path> [--<param> <value>]... [--output-format json]\n');
    return 255;
  }
  let client: PveClient | undefined;
  try {
    const { params, json } = parseOptions(rest);
    // pvecm add hands the peer's root password over in the environment, never on a command line.
    if (process.env.CW_PVESH_PASSWORD && params.password === undefined) params.password = process.env.CW_PVESH_PASSWORD;
    const config = JSON.parse(fs.readFileSync(pveshConfigPath, 'utf8')) as PveshConfig;
    client = new PveClient({ endpoint: { host: config.host, port: config.port, fingerprint: config.fingerprint }, credentials: { kind: 'password', username: 'root@pam', password: config.rootPassword }, schema: new PveApiSchema(schemaBesideMe()) });
    const data = await client.request<unknown>(method, apiPath, params);
    if (typeof data === 'string' && data.startsWith('UPID:')) {
      await client.followTask(data, {
        onLog: (line) => process.stdout.write(`${line}\n`),
        pollMs: 250,
        // A join reissues this node's certificate at its end: pick up the new one the server wrote.
        onCertificateChange: async (err) => {
          const presented = (err.detail as { fingerprint?: string } | undefined)?.fingerprint;
          for (let i = 0; i < 50; i++) {
            const fresh = JSON.parse(fs.readFileSync(pveshConfigPath, 'utf8')) as PveshConfig;
            if (fresh.fingerprint === presented) {
              client!.repin(fresh.fingerprint);
              await client!.login();
              return;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          throw err;
        },
      });
      return 0;
    }
    if (data !== null) process.stdout.write(json || typeof data !== 'string' ? `${JSON.stringify(data)}\n` : `${data}\n`);
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${client ? client.redact(message) : message}\n`);
    return 255;
  }
}
