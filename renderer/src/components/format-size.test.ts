import { describe, expect, it } from 'vitest';
import { formatGiB, formatMiB } from './format-size.js';

describe('sizes in the dialogs', () => {
  it('shows memory below 1 GiB in MiB, not rounded up to "1 GiB"', () => {
    expect(formatMiB(512)).toBe('512 MiB');
    expect(formatMiB(64)).toBe('64 MiB');
    expect(formatMiB(1023)).toBe('1023 MiB');
  });
  it('shows 1 GiB and above with one decimal where it matters', () => {
    expect(formatMiB(1024)).toBe('1 GiB');
    expect(formatMiB(1536)).toBe('1.5 GiB');
    expect(formatMiB(2048 + 100)).toBe('2.1 GiB');
    expect(formatMiB(32 * 1024)).toBe('32 GiB');
    expect(formatGiB(0.25)).toBe('256 MiB');
    expect(formatMiB(3 * 1024 * 1024)).toBe('3 TiB');
  });
});
