// Reading a passphrase or a secret on the CLI's terminal without echoing it, and the prompt that unlocks
// (or creates) the secret store when a command needs it and someone sits at the terminal.
import { CwError } from '../../common/errors.js';
import { assessPassphrase } from '../../common/secrets/passphrase-strength.js';

export interface TerminalIo {
  input: NodeJS.ReadStream;
  output: NodeJS.WritableStream;
}

/** One line typed on a terminal, not shown (raw mode: Enter ends it, Backspace erases, Ctrl+C or Ctrl+D cancels). */
export function readHiddenLine(question: string, io: TerminalIo = { input: process.stdin, output: process.stderr }): Promise<string> {
  const { input, output } = io;
  if (!input.isTTY) return Promise.reject(new CwError('UNSUPPORTED', 'Standard input is not a terminal, so nothing can be typed without being shown.'));
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    input.setRawMode(true);
    input.resume();
    const done = (result: string | Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString()) {
        if (ch === '\r' || ch === '\n') return done(value);
        if (ch === '\u0003' || ch === '\u0004') return done(new CwError('CANCELLED', 'Cancelled at the prompt; nothing was done.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

/**
 * Asks for the secret store's passphrase on the terminal; for a store that does not exist yet, asks twice and
 * says how strong the new passphrase is (refusing one below the floor, up to three tries).
 */
export async function promptStorePassphrase(question: { create: boolean; file: string }, io?: TerminalIo): Promise<string> {
  const output = io?.output ?? process.stderr;
  if (!question.create) return readHiddenLine(`Passphrase of the secret store (${question.file}): `, io);
  output.write(`There is no secret store yet; choose a passphrase for a new one at ${question.file}.\n`);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const first = await readHiddenLine('New passphrase (not shown): ', io);
    const assessment = assessPassphrase(first);
    output.write(`${assessment.hint}\n`);
    if (!assessment.acceptable) continue;
    const second = await readHiddenLine('The same passphrase again: ', io);
    if (second === first) return first;
    output.write('The two entries differ; try again.\n');
  }
  throw new CwError('CANCELLED', 'No new passphrase was chosen after three tries; the secret store was not created.');
}
