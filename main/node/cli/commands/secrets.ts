// clusterwright secrets: the passphrase-sealed secret store the web mode and the CLI share (list, put, delete).
// A secret is read from stdin (hidden when stdin is a terminal), never from the command line.
import { parseArgs } from 'node:util';
import { secretKinds } from '../../../common/contract/ssh.js';
import { CwError } from '../../../common/errors.js';
import { readHiddenLine } from '../../secrets/tty-prompt.js';
import { defaultSecretStore } from '../../secrets/index.js';
import type { CliCommand } from '../types.js';
import { commandInfo } from './catalogue.js';
import { exitCodes, UsageError } from '../types.js';


/** Reads one line without echo from a terminal, or all of stdin (trailing newline dropped) from a pipe. */
async function readSecret(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  return readHiddenLine('Value (not shown): ');
}

export const secretsCommand: CliCommand = {
  ...commandInfo.secrets,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, label: { type: 'string' }, kind: { type: 'string' } }, allowPositionals: true, strict: true });
    const [verb, ...rest] = positionals;
    // Locked until its passphrase comes from the variable, the keychain or a hidden prompt on this terminal.
    const store = defaultSecretStore('cli', io.env);
    switch (verb) {
      case 'list': {
        if (rest.length) throw new UsageError('secrets list takes no arguments besides --json.');
        const list = await store.list();
        if (values.json) io.out(JSON.stringify(list, null, 2));
        else if (!list.length) io.out(`No secrets in the ${store.description}.`);
        else for (const s of list) io.out(`${s.id}  ${s.kind.padEnd(10)} ${s.createdAt}  ${s.label}`);
        return exitCodes.ok;
      }
      case 'put': {
        if (rest.length) throw new UsageError('secrets put takes the value on stdin, never as an argument.');
        if (!values.label?.trim()) throw new UsageError('secrets put needs --label, e.g. --label "root@pam on homelab".');
        const kind = (values.kind ?? 'password') as (typeof secretKinds)[number];
        if (!secretKinds.includes(kind)) throw new UsageError(`--kind is one of ${secretKinds.join(', ')}, not "${values.kind}".`);
        // The passphrase first (asked on a terminal when needed), then the value.
        await store.ensureOpen?.();
        const value = await readSecret();
        if (!value) throw new UsageError('The value is empty; nothing was stored.');
        const id = await store.put(value, { label: values.label.trim(), kind });
        io.out(id);
        return exitCodes.ok;
      }
      case 'delete': {
        const [id] = rest;
        if (!id || rest.length > 1) throw new UsageError('secrets delete takes one secret id (see secrets list).');
        if (!(await store.delete(id))) throw new CwError('NOT_FOUND', `There is no secret ${id} in the ${store.description} (see secrets list).`);
        io.out(`Deleted ${id}.`);
        return exitCodes.ok;
      }
      default:
        throw new UsageError(verb ? `Unknown secrets command "${verb}".` : 'Which secrets command? list, put or delete.');
    }
  },
};
