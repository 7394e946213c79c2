// Which links from a terminal (or anywhere in the UI) may be opened outside the app: http and https
// only, with a host and no embedded credentials. Checked in the renderer before opening and again by
// the desktop shell. (main/common has no URL class: it is parsed here by its RFC 3986 shape.)

const shape = /^(https?):\/\/([^/?#\s]+)([/?#][^\s]*)?$/i;

export function safeExternalUrl(text: string): string | null {
  const match = shape.exec(text.trim());
  if (!match) return null;
  const authority = match[2]!;
  if (authority.includes('@')) return null;
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(authority)) return null;
  return `${match[1]!.toLowerCase()}://${authority}${match[3] ?? '/'}`;
}
