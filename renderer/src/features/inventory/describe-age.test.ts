import { describe, expect, it } from 'vitest';
import { describeAge } from './InventoryFreshness.js';

describe('how fresh the VMs are', () => {
  it('says the age in the unit an admin reads at a glance', () => {
    expect(describeAge(500)).toBe('just now');
    expect(describeAge(12_000)).toBe('12 s ago');
    expect(describeAge(185_000)).toBe('3 min ago');
    expect(describeAge(2 * 3_600_000 + 5)).toBe('2 h ago');
  });
});
