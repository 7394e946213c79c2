// The remote side of an atomic upload, as a POSIX sh script reading the content on stdin: a temp
// file beside the target, its sha256 checked, mode and owner set, then renamed over the target.
import { shellQuote } from '../ssh/shell-quote.js';

export function atomicUploadScript(file: string, sha256: string, mode: number, owner?: string): string {
  const p = shellQuote(file);
  return [
    'set -eu',
    `d=$(dirname -- ${p})`,
    'mkdir -p -- "$d"',
    `t="$d/.$(basename -- ${p}).cw-$$"`,
    `trap 'rm -f -- "$t"' EXIT`,
    'cat > "$t"',
    `test "$(sha256sum < "$t" | cut -d' ' -f1)" = ${sha256} || { echo 'the uploaded copy does not match what was sent' >&2; exit 3; }`,
    `chmod ${mode.toString(8)} "$t"`,
    ...(owner ? [`chown -- ${shellQuote(owner)} "$t"`] : []),
    `mv -f -- "$t" ${p}`,
    'trap - EXIT',
  ].join('\n');
}

/** Reads a file with its mode: exit 47 when it does not exist, else the octal mode on the first line, then the content. */
export const ABSENT_EXIT = 47;
export function readFileScript(file: string): string {
  const q = shellQuote(file);
  return `test -e ${q} || exit ${ABSENT_EXIT}; stat -c %a -- ${q} && cat -- ${q}`;
}

/** The mode line and content printed by readFileScript. */
export function parseReadFile(stdout: string): { mode: number; content: string } {
  const newline = stdout.indexOf('\n');
  return { mode: parseInt(stdout.slice(0, newline), 8), content: stdout.slice(newline + 1) };
}
