// Masks secret values in a text that leaves the process (an error message, a log tail): every occurrence of a
// secret of four characters or more becomes `***`. Shorter values would mask ordinary words.
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  // The longest first: a secret that contains another is masked whole, not around the shorter one.
  const longestFirst = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of longestFirst) out = out.split(s).join('***');
  return out;
}
