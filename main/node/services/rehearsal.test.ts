import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRehearsals, rehearsalPathFor, withinTolerance } from './rehearsal.js';

describe('the kept rehearsals', () => {
  it('sit beside the workspace file, and a damaged record or file counts as none (never an error in the wizard)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-rehearsal-'));
    try {
      const file = path.join(dir, 'estate.yaml');
      expect(rehearsalPathFor(file)).toBe(path.join(dir, 'estate.rehearsal.json'));
      expect(await loadRehearsals(file)).toEqual([]);
      fs.writeFileSync(rehearsalPathFor(file), '{ not json');
      expect(await loadRehearsals(file)).toEqual([]);
      const good = {
        version: 1,
        stack: 'proxmox',
        group: 'offices',
        workspacePath: file,
        ranAt: '2026-12-05T03:00:00.000Z',
        wallMs: 41000,
        planHash: 'a'.repeat(64),
        planId: 'pve-offices',
        planSteps: 12,
        labPlanHash: 'b'.repeat(64),
        labGroup: 'offices',
        status: 'succeeded',
        message: 'done',
        steps: [],
        notRehearsed: [],
        quorum: { quorate: true, members: [{ name: 'zh1', online: true }], source: 'test' },
        lab: { name: 'rehearse-x', hosts: 5, upMs: 9000, keptRunning: false },
        mapping: [],
        links: [],
        notes: [],
      };
      fs.writeFileSync(rehearsalPathFor(file), JSON.stringify({ version: 1, records: [good, { ...good, group: 'other', quorum: 'yes' }] }));
      const loaded = await loadRehearsals(file);
      expect(loaded.map((r) => r.group)).toEqual(['offices']);
      expect(loaded[0]!.quorum?.quorate).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('call a lab round trip faithful within ±10 % or ±0.3 ms, whichever is wider', () => {
    expect(withinTolerance(1.5, 1.8)).toBe(true);
    expect(withinTolerance(1.5, 1.81)).toBe(false);
    expect(withinTolerance(10, 10.99)).toBe(true);
    expect(withinTolerance(10, 8.9)).toBe(false);
  });
});
