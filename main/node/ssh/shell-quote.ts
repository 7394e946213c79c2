// Quoting for POSIX shells: every argument the app puts into a command line, remote or local, goes through here.
import { CwError } from '../../common/errors.js';

/** One argument, safe for sh/bash/dash: bare when it holds only safe characters, else single-quoted. */
export function shellQuote(argument: string): string {
  if (argument.includes('\0')) throw new CwError('INVALID_INPUT', 'A command argument cannot contain a NUL byte (no program can receive one); remove it from the value.');
  if (argument !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** A command line from a program and its arguments, each quoted. */
export function shellCommand(...argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}
