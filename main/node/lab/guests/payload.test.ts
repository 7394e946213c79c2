// The guest payload: a valid multiboot image built from dirty-guest.S, with its parameters set per guest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPayload, parsePayloadCounters, payloadImage, payloadLoadAddress, payloadOffsets, pitClockHz } from './payload.js';

const haveBinutils = ['as', 'ld'].every((tool) => spawnSync(tool, ['--version']).status === 0);

describe('guest payload', () => {
  it('is a multiboot image with the a.out kludge: magic, flags and checksum add up to 0; loaded and entered at 1 MiB', () => {
    const image = payloadImage();
    const magic = image.readUInt32LE(0);
    const flags = image.readUInt32LE(4);
    expect(magic).toBe(0x1badb002);
    expect(flags & 0x10000).toBe(0x10000);
    expect((magic + flags + image.readUInt32LE(8)) % 2 ** 32).toBe(0);
    expect(image.readUInt32LE(12)).toBe(payloadLoadAddress); // header_addr
    expect(image.readUInt32LE(16)).toBe(payloadLoadAddress); // load_addr
    const entry = image.readUInt32LE(28);
    expect(entry).toBeGreaterThan(payloadLoadAddress + payloadOffsets.dirtied);
    expect(entry).toBeLessThan(payloadLoadAddress + image.length);
  });

  it('sets the dirty rate as whole pages per timer tick and the PIT divisor for the tick rate', () => {
    const p = buildPayload({ dirtyBytesPerSecond: 1024 * 1024, tickHz: 100, seed: 7 });
    expect(p.bytes.readUInt32LE(payloadOffsets.seed)).toBe(7);
    expect(p.bytes.readUInt32LE(payloadOffsets.pitDivisor)).toBe(11932);
    expect(p.pagesPerTick).toBe(3); // 1 MiB/s ÷ 4 KiB ÷ 100 Hz = 2.56
    expect(p.bytes.readUInt32LE(payloadOffsets.pagesPerTick)).toBe(3);
    expect(p.dirtyBytesPerSecond).toBeCloseTo(3 * 4096 * (pitClockHz / 11932), 3);
    expect(buildPayload({ dirtyBytesPerSecond: 0 }).pagesPerTick).toBe(0);
    expect(buildPayload({ dirtyBytesPerSecond: 8 * 1024 * 1024, tickHz: 50 }).bytes.readUInt32LE(payloadOffsets.pitDivisor)).toBe(23864);
    // The image itself is not changed by a build.
    expect(payloadImage().readUInt32LE(payloadOffsets.pagesPerTick)).toBe(16);
  });

  it('refuses rates, tick rates and seeds the payload cannot run with', () => {
    expect(() => buildPayload({ tickHz: 5 })).toThrow(/19–1000 ticks/);
    expect(() => buildPayload({ dirtyBytesPerSecond: -1 })).toThrow(/dirty rate/);
    expect(() => buildPayload({ dirtyBytesPerSecond: Number.NaN })).toThrow(/dirty rate/);
    expect(() => buildPayload({ seed: 0 })).toThrow(/seed/);
  });

  it('reads the counters from the monitor’s xp output', () => {
    const out = '0000000000100020: 0x343ca7e1 0x00000003 0x00002e9c 0x00000600\r\n0000000000100030: 0x07fe0000 0x0000008d 0x00000001 0x000008d0\r\n';
    expect(parsePayloadCounters(out)).toEqual({ seed: 0x343ca7e1, pagesPerTick: 3, top: 0x07fe0000, ticks: 0x8d, filled: true, dirtied: 0x8d0 });
    expect(() => parsePayloadCounters('Cannot access memory')).toThrow(/counters/);
  });

  it.skipIf(!haveBinutils && process.env.CW_REQUIRE_LAB !== '1')('is exactly what dirty-guest.S assembles to (binutils)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-payload-'));
    try {
      const source = path.join(import.meta.dirname, 'dirty-guest.S');
      const as = spawnSync('as', ['--32', '-o', path.join(dir, 'g.o'), source], { encoding: 'utf8' });
      expect(as.stderr).toBe('');
      const ld = spawnSync('ld', ['-m', 'elf_i386', '-Ttext=0x100000', '--oformat', 'binary', '-o', path.join(dir, 'g.bin'), path.join(dir, 'g.o')], { encoding: 'utf8' });
      expect(ld.stderr).toBe('');
      expect(fs.readFileSync(path.join(dir, 'g.bin')).equals(payloadImage())).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
