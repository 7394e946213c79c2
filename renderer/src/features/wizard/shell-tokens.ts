// A small tokenizer for the shell commands a plan shows, so the preview can colour them: the command
// of each pipeline stage, options, quoted strings, variables, operators, comments and the «secret:id»
// placeholders. For display only (nothing here decides what runs), so it errs towards plain text. Pure.

export type ShellTokenKind = 'command' | 'keyword' | 'option' | 'string' | 'variable' | 'operator' | 'secret' | 'comment' | 'text' | 'space';

export interface ShellToken {
  kind: ShellTokenKind;
  text: string;
}

const keywords = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'do', 'done', 'while', 'until', 'case', 'esac', '!']);
/** After these keywords a new command starts. */
const commandAfterKeyword = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!']);
/** Prefixes whose next word is the command that really runs. */
const wrappers = new Set(['sudo', 'env', 'exec', 'nohup', 'time', 'timeout', 'nice', 'xargs']);
const housekeeping = new Set(['set', 'cd', 'export', 'umask', ':', 'true']);
const operators = ['&&', '||', ';;', '>>', '2>&1', '2>', '&>', '|', ';', '&', '>', '<', '(', ')'];
const startsCommand = new Set(['&&', '||', ';;', '|', ';', '&', '(']);

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export function tokenizeShell(source: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  const push = (kind: ShellTokenKind, text: string) => {
    const last = tokens[tokens.length - 1];
    if (last && last.kind === kind && (kind === 'space' || kind === 'text')) last.text += text;
    else tokens.push({ kind, text });
  };
  let expectCommand = true;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (isSpace(c)) {
      let j = i;
      while (j < n && isSpace(source[j]!)) j++;
      const space = source.slice(i, j);
      push('space', space);
      if (space.includes('\n') && !source.slice(0, i).endsWith('\\')) expectCommand = true;
      i = j;
      continue;
    }
    if (c === '#' && (i === 0 || isSpace(source[i - 1]!))) {
      const end = source.indexOf('\n', i);
      const j = end < 0 ? n : end;
      push('comment', source.slice(i, j));
      i = j;
      continue;
    }
    const op = operators.find((o) => source.startsWith(o, i));
    if (op) {
      push('operator', op);
      if (startsCommand.has(op)) expectCommand = true;
      i += op.length;
      continue;
    }
    // A word: quoted parts, variables and plain characters until a space or an operator.
    const parts: ShellToken[] = [];
    let j = i;
    while (j < n && !isSpace(source[j]!) && !operators.some((o) => o !== '2>' && o !== '2>&1' && source.startsWith(o, j))) {
      const ch = source[j]!;
      if (ch === "'") {
        const end = source.indexOf("'", j + 1);
        const stop = end < 0 ? n : end + 1;
        parts.push({ kind: 'string', text: source.slice(j, stop) });
        j = stop;
      } else if (ch === '"') {
        let k = j + 1;
        while (k < n && source[k] !== '"') k += source[k] === '\\' ? 2 : 1;
        const stop = Math.min(n, k + 1);
        parts.push({ kind: 'string', text: source.slice(j, stop) });
        j = stop;
      } else if (source.startsWith('«secret:', j)) {
        const end = source.indexOf('»', j);
        const stop = end < 0 ? n : end + 1;
        parts.push({ kind: 'secret', text: source.slice(j, stop) });
        j = stop;
      } else if (ch === '$') {
        let k = j + 1;
        if (source[k] === '{') {
          const end = source.indexOf('}', k);
          k = end < 0 ? n : end + 1;
        } else if (source[k] === '(') {
          k++;
        } else {
          while (k < n && /[A-Za-z0-9_?@#*!$-]/.test(source[k]!) && (k === j + 1 || /[A-Za-z0-9_]/.test(source[k]!))) k++;
        }
        parts.push({ kind: 'variable', text: source.slice(j, k) });
        j = k;
      } else if (ch === '\\' && j + 1 < n) {
        parts.push({ kind: 'text', text: source.slice(j, j + 2) });
        j += 2;
      } else {
        let k = j;
        while (k < n && !isSpace(source[k]!) && !`'"$\\`.includes(source[k]!) && !source.startsWith('«secret:', k) && !operators.some((o) => o !== '2>' && o !== '2>&1' && source.startsWith(o, k))) k++;
        parts.push({ kind: 'text', text: source.slice(j, k) });
        j = k;
      }
    }
    const word = source.slice(i, j);
    const first = parts[0];
    let stillExpect = false;
    if (first && first.kind === 'text') {
      if (expectCommand && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
        // NAME=value before a command: the command is still to come.
        first.kind = 'variable';
        stillExpect = true;
      } else if (expectCommand && keywords.has(word)) {
        first.kind = 'keyword';
        stillExpect = commandAfterKeyword.has(word);
      } else if (expectCommand) {
        first.kind = 'command';
        stillExpect = wrappers.has(word);
      } else if (first.text.startsWith('-')) {
        // --name=value: the option up to "=", the value after it as it is.
        const eq = first.text.indexOf('=');
        if (eq > 0) parts.splice(0, 1, { kind: 'option', text: first.text.slice(0, eq + 1) }, ...(first.text.length > eq + 1 ? [{ kind: 'text' as const, text: first.text.slice(eq + 1) }] : []));
        else first.kind = 'option';
      }
    }
    expectCommand = stillExpect;
    for (const p of parts) push(p.kind, p.text);
    i = j;
  }
  return tokens;
}

/** The first command of a command line and the words right after it that say what it does
 *  ("pvecm create", "systemctl restart corosync"), for a one-line summary. */
export function commandGist(source: string, maxWords = 3): string {
  const tokens = tokenizeShell(source).filter((t) => t.kind !== 'space');
  // Shell housekeeping (set -e, cd, export) says nothing about what the step does.
  const start = tokens.findIndex((t) => t.kind === 'command' && !wrappers.has(t.text) && !housekeeping.has(t.text));
  if (start < 0) return '';
  const words = [tokens[start]!.text];
  for (const t of tokens.slice(start + 1)) {
    if (words.length >= maxWords || t.kind !== 'text' || t.text.length > 32) break;
    words.push(t.text);
  }
  return words.join(' ');
}
