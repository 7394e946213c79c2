// Secret placeholders in plans: find every `{secretRef}` a plan needs, and substitute them with
// whatever the caller chooses (the value at the moment of use, or a redacted marker for display).
import type { SecretText } from './schema.js';

export function isSecretRef(value: unknown): value is { secretRef: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secretRef?: unknown }).secretRef === 'string'
  );
}

/** Every secret id referenced anywhere in a value (a plan, a step, a body). */
export function collectSecretIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (isSecretRef(value)) into.add(value.secretRef);
  else if (Array.isArray(value)) for (const item of value) collectSecretIds(item, into);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) collectSecretIds(item, into);
  return into;
}

/** A deep copy of a JSON value with each `{secretRef}` replaced by `replace(id)`. */
export function substituteSecrets(value: unknown, replace: (id: string) => unknown): unknown {
  if (isSecretRef(value)) return replace(value.secretRef);
  if (Array.isArray(value)) return value.map((item) => substituteSecrets(item, replace));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteSecrets(v, replace)]));
  }
  return value;
}

/** Joins a text's pieces, each secret replaced by `replace(id)`. */
export function joinText(text: SecretText, replace: (id: string) => string): string {
  if (typeof text === 'string') return text;
  if (!Array.isArray(text)) return replace(text.secretRef);
  return text.map((part) => (typeof part === 'string' ? part : replace(part.secretRef))).join('');
}

/** How a secret is shown wherever something is stored or displayed. */
export function secretMarker(id: string): string {
  return `«secret:${id}»`;
}

/** The environment variable an exported script or the CLI reads a secret from: CW_SECRET_<ID>. */
export function secretEnvName(id: string): string {
  return `CW_SECRET_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
