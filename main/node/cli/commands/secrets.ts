// clusterwright secrets: the passphrase-sealed secret store the web mode and the CLI share (list, put, delete).
// A secret is read from stdin (hidden when stdin is a terminal), never from the command line.
import { parseArgs } from 'node:util';
import { secretKinds } from '../../../common/contract/ssh.js';
import { CwError } from '../../../common/errors.js';
import { defaultSecretStore, SECRETS_PASSPHRASE_ENV } from '../../secrets/index.js';
import type { CliCommand, CliIO } from '../types.js';
import { exitCodes, UsageError } from '../types.js';

const usage = ['secrets list [--json]', '       secrets put --label TEXT [--kind password|passphrase|privateKey|token|other]   (the value on stdin)', '       secrets delete <id>'].join('\n');

/** Reads one line without echo from a terminal, or all of stdin (trailing newline dropped) from a pipe. */
async function readSecret(io: CliIO): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  io.err('Value (not shown): ');
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(value);
        if (ch === '\u0003') return done(new CwError('CANCELLED', 'Cancelled; nothing was stored.'));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export const secretsCommand: CliCommand = {
  name: 'secrets',
  summary: `List, add or delete secrets in the sealed store web mode and the CLI share (needs ${SECRETS_PASSPHRASE_ENV}); workspaces name them by id.`,
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, label: { type: 'string' }, kind: { type: 'string' } }, allowPositionals: true, strict: true });
    const [verb, ...rest] = positionals;
    if (!io.env[SECRETS_PASSPHRASE_ENV]) throw new CwError('UNSUPPORTED', `The secret store is sealed with a passphrase: set ${SECRETS_PASSPHRASE_ENV} (the one web mode uses) and run this again.`);
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
        const value = await readSecret(io);
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
