// The binary frames of the wire (a stream's bytes) and the credit windows: no schema library, so the
// renderer's first script can speak the wire without evaluating any validation code.
/** Binary frame kinds (first byte); bytes 1..4 are the stream id (big endian). */
export const BINARY_STREAM_DATA = 1;
export const BINARY_HEADER_BYTES = 5;

/** Default credit window: the most bytes a sender keeps unacknowledged on one stream, and the floor of an adaptive window. */
export const DEFAULT_STREAM_WINDOW = 256 * 1024;
/** The most an adaptive window grows to (a long, fast link between the backend and the renderer). */
export const MAX_STREAM_WINDOW = 4 * 1024 * 1024;

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
