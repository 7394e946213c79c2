import { describe, expect, it } from 'vitest';
import { InputGate, MAX_HELD_CHARS } from './input-gate.js';

describe('input typed into a terminal tab', () => {
  it('is held while the channel opens and sent first, in order, when it opens', () => {
    const gate = new InputGate();
    const sent: string[] = [];
    expect(gate.send('echo ')).toBe(true);
    expect(gate.send('both-42\r')).toBe(true);
    expect(sent).toEqual([]);
    gate.open((data) => sent.push(data));
    expect(sent).toEqual(['echo both-42\r']);
    gate.send('x');
    expect(sent).toEqual(['echo both-42\r', 'x']);
    expect(gate.waiting).toBe(0);
  });

  it('goes nowhere once the session ended, and a reconnect does not replay it', () => {
    const gate = new InputGate();
    const sent: string[] = [];
    gate.open((data) => sent.push(data));
    gate.end();
    expect(gate.send('rm -rf /tmp/x\r')).toBe(false);
    gate.connecting();
    gate.send('ls\r');
    gate.open((data) => sent.push(data));
    expect(sent).toEqual(['ls\r']);
  });

  it('refuses input beyond the bound while connecting', () => {
    const gate = new InputGate();
    expect(gate.send('a'.repeat(MAX_HELD_CHARS))).toBe(true);
    expect(gate.send('b')).toBe(false);
    expect(gate.waiting).toBe(MAX_HELD_CHARS);
  });
});
