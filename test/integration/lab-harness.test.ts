// Every lab test goes through the harness, so CW_REQUIRE_LAB=1 turns every "cannot run here" into a
// failure: no lab file skips by itself, registers tests under a condition or ends a test early, and
// every file under test/lab is one vitest runs. The checker itself is tested on each way out.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLabTestFile } from '../support/lab-harness-check.js';
import { labSuiteMode } from '../support/lab.js';

const labDir = path.resolve(__dirname, '../lab');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('lab test files', () => {
  it('are all files vitest runs (*.test.ts)', () => {
    const strays = filesUnder(labDir).filter((f) => !f.endsWith('.test.ts')).map((f) => path.relative(labDir, f));
    expect(strays, 'files under test/lab that the lab project never runs').toEqual([]);
  });

  it('all go through describeLab, and none skips, registers a test under a condition, or ends a test early by itself', () => {
    const files = filesUnder(labDir).filter((f) => f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(20);
    const problems = files.flatMap((file) => checkLabTestFile(file, fs.readFileSync(file, 'utf8')).map((p) => `${path.relative(labDir, file)}:${p.line}: ${p.message}`));
    expect(problems).toEqual([]);
  });
});

describe('the harness check', () => {
  const clean = `
import { expect, it, afterAll } from 'vitest';
import { describeLab, useLab } from '../support/lab.js';
afterAll(() => undefined);
describeLab('a suite', () => {
  const handle = useLab('name: x', 'cwzz');
  for (const n of [1, 2]) it(\`case \${n}\`, () => expect(n).toBeGreaterThan(0));
  it('runs', async () => {
    const helper = () => { return 1; };
    expect(helper()).toBe(1);
    expect(handle).toBeDefined();
  });
});
`;
  const messages = (text: string) => checkLabTestFile('x.test.ts', text).map((p) => p.message);

  it('passes a file that uses the harness', () => {
    expect(messages(clean)).toEqual([]);
  });

  it.each([
    ['describe.skip behind a condition', `const d = ok ? describe : describe.skip;\nd('s', () => { it('t', () => {}); });`, /does not import describeLab|outside describeLab|\.skip/],
    ['describe instead of describeLab', `import { describeLab } from '../support/lab.js';\ndescribe('s', () => { it('t', () => {}); });`, /describe\(…\) outside describeLab/],
    ['describeLab behind an if', `import { describeLab } from '../support/lab.js';\nif (process.getuid?.() === 0) describeLab('s', () => { it('t', () => {}); });`, /top-level statement/],
    ['it.skipIf', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { it.skipIf(!ok)('t', () => {}); });`, /\.skipIf/],
    ['it.runIf', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { it.runIf(ok)('t', () => {}); });`, /\.runIf/],
    ['it.todo', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { it.todo('t'); });`, /\.todo/],
    ['the test context\'s skip()', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { it('t', (ctx) => { ctx.skip(); }); });`, /\.skip/],
    ['a destructured skip()', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { it('t', ({ skip }) => { skip(); }); });`, /calls skip\(\)/],
    ['an early return in a test', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { it('t', () => { if (!fs.existsSync('/x.json')) return; expect(1).toBe(1); }); });`, /return inside it/],
    ['an early return in a setup hook', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { beforeAll(() => { if (!ok) return; start(); }); it('t', () => {}); });`, /return inside beforeAll/],
    ['a test registered under a condition', `import { describeLab } from '../support/lab.js';\ndescribeLab('s', () => { if (fs.existsSync('schema.json')) it('t', () => {}); });`, /under a condition/],
    ['setup outside the harness', `import { describeLab } from '../support/lab.js';\nbeforeAll(() => startLab());\ndescribeLab('s', () => { it('t', () => {}); });`, /beforeAll\(…\) outside describeLab/],
  ])('catches %s', (_what, text, expected) => {
    expect(messages(text).join('\n')).toMatch(expected);
  });
});

describe('labSuiteMode', () => {
  it('runs where the lab can run, skips with the reason where it cannot, and fails instead under CW_REQUIRE_LAB=1', () => {
    expect(labSuiteMode(undefined, {})).toBe('run');
    expect(labSuiteMode(undefined, { CW_REQUIRE_LAB: '1' })).toBe('run');
    expect(labSuiteMode('needs root', {})).toBe('skip');
    expect(labSuiteMode('needs root', { CW_REQUIRE_LAB: '1' })).toBe('fail');
  });
});
