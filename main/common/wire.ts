// Frames exchanged between a client (renderer, CLI) and a host session: the same frames travel
// over the WebSocket in web mode and over the Electron IPC relay in the desktop.
import * as z from 'zod';
import { errorCodes, type ErrorPayload } from './errors.js';

/** Binary frame kinds (first byte); bytes 1..4 are the stream id (big endian). */
export const BINARY_STREAM_DATA = 1;
export const BINARY_HEADER_BYTES = 5;

/** Default credit window: the most bytes a sender keeps unacknowledged on one stream, and the floor of an adaptive window. */
export const DEFAULT_STREAM_WINDOW = 256 * 1024;
/** The most an adaptive window grows to (a long, fast link between the backend and the renderer). */
export const MAX_STREAM_WINDOW = 4 * 1024 * 1024;

export const errorPayloadSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  detail: z.unknown().optional(),
}) satisfies z.ZodType<ErrorPayload>;

export const clientFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int().nonnegative(), method: z.string().min(1), input: z.unknown() }),
  z.object({ t: z.literal('cancel'), id: z.number().int().nonnegative() }),
  z.object({ t: z.literal('ack'), stream: z.number().int().positive(), bytes: z.number().int().positive() }),
  z.object({ t: z.literal('write'), stream: z.number().int().positive(), data: z.string() }),
  z.object({ t: z.literal('close'), stream: z.number().int().positive() }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const serverFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('result'), id: z.number().int().nonnegative(), ok: z.literal(true), value: z.unknown() }),
  z.object({ t: z.literal('result'), id: z.number().int().nonnegative(), ok: z.literal(false), error: errorPayloadSchema }),
  z.object({ t: z.literal('error'), error: errorPayloadSchema }),
  z.object({ t: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({ t: z.literal('stream-end'), stream: z.number().int().positive(), error: errorPayloadSchema.optional() }),
]);

export type ServerFrame =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: z.infer<typeof errorPayloadSchema> }
  | { t: 'error'; error: z.infer<typeof errorPayloadSchema> }
  | { t: 'event'; name: string; payload: unknown }
  | { t: 'stream-end'; stream: number; error?: z.infer<typeof errorPayloadSchema> };

export function encodeStreamData(stream: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(BINARY_HEADER_BYTES + payload.byteLength);
  frame[0] = BINARY_STREAM_DATA;
  new DataView(frame.buffer).setUint32(1, stream);
  frame.set(payload, BINARY_HEADER_BYTES);
  return frame;
}

export function decodeStreamData(frame: Uint8Array): { stream: number; payload: Uint8Array } | null {
  if (frame.byteLength < BINARY_HEADER_BYTES || frame[0] !== BINARY_STREAM_DATA) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return { stream: view.getUint32(1), payload: frame.subarray(BINARY_HEADER_BYTES) };
}
