// Frames exchanged between a client (renderer, CLI) and a host session: the same frames travel
// over the WebSocket in web mode and over the Electron IPC relay in the desktop.
import * as z from 'zod';
import { errorCodes, type ErrorPayload } from './errors.js';

export { BINARY_HEADER_BYTES, BINARY_STREAM_DATA, DEFAULT_STREAM_WINDOW, MAX_STREAM_WINDOW, decodeStreamData, encodeStreamData } from './wire-binary.js';

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
