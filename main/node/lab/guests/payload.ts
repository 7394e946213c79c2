// The program a lab guest runs: a tiny multiboot kernel (source: dirty-guest.S beside this file) that fills its
// RAM with pseudo-random words and keeps dirtying a bounded number of pages per timer tick. Pure data.
import { CwError } from '../../../common/errors.js';

/** Where QEMU's multiboot loader puts the image (the header's load address). */
export const payloadLoadAddress = 0x100000;
/** The first RAM byte the payload fills; below it are the BIOS areas and the payload itself. */
export const payloadFillStart = 0x200000;

/** Byte offsets of the parameter block (see `params` in dirty-guest.S); guest-physical = load address + offset. */
export const payloadOffsets = {
  seed: 0x20,
  pagesPerTick: 0x24,
  pitDivisor: 0x28,
  pmBase: 0x2c,
  top: 0x30,
  ticks: 0x34,
  filled: 0x38,
  dirtied: 0x3c,
} as const;

/** The assembled dirty-guest.S up to its last non-zero byte; the rest of the image (IDT, stack) is zeros. */
const codeBase64 =
  'ArCtGwIAAQD8T1HkAAAQAAAAEAAAAAAAAAAAAGYAEACR9EUlEAAAAJwuAAAABgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA//8A' +
  'AACazwD//wAAAJLPABcAQAAQAGaQBwGgARAA+g8BFVgAEADqdQAQAAgAZrgQAI7YjsCO0I7gjui8qAMQAItLCMHhCoHBAAAQAIHh' +
  'APD//4kNMAAQAKEgABAAvwAAIAD8acANZhkABV/zbjyrOc9y8KMgABAAxwU4ABAAAQAAALAR5iDmoLAg5iGwKOahsATmIbAC5qGw' +
  'AeYh5qGw/uYhsP/mobA05kOhKAAQAOZAiODmQIsVLAAQAIPCAma4AAFm77iRARAAv6ACEABmiQdmx0cCCABmx0cEAI7B6BBmiUcG' +
  'DwEdYAAQAL8AACAA+/SLFSwAEABm7WapAAF1PIsNJAAQAOPpAQ08ABAAoSAAEABpwA1mGQAFX/NuPIkHgccAEAAAOz0wABAAcgW/' +
  'AAAgAOLeoyAAEADrtYPCBGa4ACBm7/r06/NQ/wU0ABAAsCDmIFjPZpA=';
/** The assembled image's full length (up to `stack_top`). */
const imageLength = 936;

/** The PIT's input clock (Hz). */
export const pitClockHz = 1_193_182;
const pageBytes = 4096;

export interface PayloadOptions {
  /** Seed of the guest's pseudo-random fill (any 32-bit value but 0). */
  seed?: number;
  /** Target rate at which the guest rewrites RAM, bytes/s (rounded to whole pages per tick). Default 1 MiB/s; 0 = never. */
  dirtyBytesPerSecond?: number;
  /** Timer ticks per second (19–1000). Default 100. */
  tickHz?: number;
}

export interface PayloadImage {
  bytes: Buffer;
  pagesPerTick: number;
  tickHz: number;
  /** What the guest will actually dirty: pagesPerTick × 4 KiB × the PIT's real rate. */
  dirtyBytesPerSecond: number;
}

/** The unmodified assembled image (what dirty-guest.S builds to). */
export function payloadImage(): Buffer {
  const code = Buffer.from(codeBase64, 'base64');
  const image = Buffer.alloc(imageLength);
  code.copy(image);
  return image;
}

/** The image with its parameters set for one guest. */
export function buildPayload(options: PayloadOptions = {}): PayloadImage {
  const tickHz = options.tickHz ?? 100;
  if (!Number.isFinite(tickHz) || tickHz < 19 || tickHz > 1000) throw new CwError('INVALID_INPUT', `A guest's timer runs at 19–1000 ticks per second, not ${tickHz}.`);
  const rate = options.dirtyBytesPerSecond ?? 1024 * 1024;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1024 ** 3) throw new CwError('INVALID_INPUT', `A guest's dirty rate is 0–1 GiB/s, not ${rate}.`);
  const seed = (options.seed ?? 0x2545f491) >>> 0;
  if (seed === 0) throw new CwError('INVALID_INPUT', 'The guest fill seed must not be 0.');
  const divisor = Math.round(pitClockHz / tickHz);
  const realHz = pitClockHz / divisor;
  const pagesPerTick = Math.round(rate / pageBytes / realHz);
  const bytes = payloadImage();
  bytes.writeUInt32LE(seed, payloadOffsets.seed);
  bytes.writeUInt32LE(pagesPerTick, payloadOffsets.pagesPerTick);
  bytes.writeUInt32LE(divisor, payloadOffsets.pitDivisor);
  return { bytes, pagesPerTick, tickHz: realHz, dirtyBytesPerSecond: pagesPerTick * pageBytes * realHz };
}

/** The payload's counters as read from guest memory (QMP `xp /8wx 0x100020`). */
export interface PayloadCounters {
  seed: number;
  pagesPerTick: number;
  top: number;
  ticks: number;
  filled: boolean;
  dirtied: number;
}

/** Parses the monitor's `xp /8wx <load+0x20>` output (two lines of four words). */
export function parsePayloadCounters(xpOutput: string): PayloadCounters {
  const words = [...xpOutput.matchAll(/0x([0-9a-f]{8})\b/gi)].map((m) => parseInt(m[1]!, 16));
  if (words.length < 8) throw new CwError('REMOTE_FAILED', `Could not read the guest's counters from: ${xpOutput.slice(0, 200)}`);
  const [seed, pagesPerTick, , , top, ticks, filled, dirtied] = words as [number, number, number, number, number, number, number, number];
  return { seed, pagesPerTick, top, ticks, filled: filled === 1, dirtied };
}
