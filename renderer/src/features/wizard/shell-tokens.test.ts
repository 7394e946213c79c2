import { describe, expect, it } from 'vitest';
import { commandGist, tokenizeShell, type ShellToken } from './shell-tokens.js';

const kinds = (source: string) => tokenizeShell(source).filter((t) => t.kind !== 'space').map((t) => `${t.kind}:${t.text}`);
const text = (tokens: ShellToken[]) => tokens.map((t) => t.text).join('');

describe('the shell tokenizer of the plan preview', () => {
  it('marks the command of each pipeline stage, its options and quoted strings', () => {
    expect(kinds(`pvecm create homelab --link0 10.0.0.1 --votes=2 && echo 'done: ok' | tee -a "/tmp/a b"`)).toEqual([
      'command:pvecm',
      'text:create',
      'text:homelab',
      'option:--link0',
      'text:10.0.0.1',
      'option:--votes=',
      'text:2',
      'operator:&&',
      'command:echo',
      "string:'done: ok'",
      'operator:|',
      'command:tee',
      'option:-a',
      'string:"/tmp/a b"',
    ]);
  });

  it('keeps every character, so the block shows exactly the command that runs', () => {
    const source = `set -eu\nif ! test -f /etc/pve/corosync.conf; then\n  FOO=1 sudo systemctl restart corosync 2>&1 # restart\nfi\necho "a \\" b" $HOME \${X:-y} «secret:root-pw»`;
    expect(text(tokenizeShell(source))).toBe(source);
  });

  it('knows keywords, assignments, wrappers, variables, comments and secret placeholders', () => {
    const found = kinds(`if ! test -f /x; then FOO=1 sudo systemctl restart corosync; fi # why\necho $HOME \${X:-y} «secret:root-pw»`);
    expect(found).toEqual([
      'keyword:if',
      'keyword:!',
      'command:test',
      'option:-f',
      'text:/x',
      'operator:;',
      'keyword:then',
      'variable:FOO=1',
      'command:sudo',
      'command:systemctl',
      'text:restart',
      'text:corosync',
      'operator:;',
      'keyword:fi',
      'comment:# why',
      'command:echo',
      'variable:$HOME',
      'variable:${X:-y}',
      'secret:«secret:root-pw»',
    ]);
  });

  it('does not treat a # inside a word or an unterminated quote as anything else', () => {
    expect(kinds(`curl http://h/a#b 'open`)).toEqual(['command:curl', 'text:http://h/a#b', "string:'open"]);
  });

  it('sums a command up in a few words for the step line', () => {
    expect(commandGist('pvecm add 10.0.0.1 --link0 10.0.0.2 --use_ssh')).toBe('pvecm add 10.0.0.1');
    expect(commandGist('sudo systemctl restart corosync')).toBe('systemctl restart corosync');
    expect(commandGist('FOO=1 cat /etc/hosts')).toBe('cat /etc/hosts');
    expect(commandGist('')).toBe('');
  });
});
