// Whether a command's arguments ask for its help (read before any command loads, by the entry and by exec's first look).

/** `--help` or `-h` among a command's own arguments (not in a remote command after `--`, as in `exec … -- df -h`). */
export function isHelpRequest(args: string[]): boolean {
  const separator = args.indexOf('--');
  const own = separator < 0 ? args : args.slice(0, separator);
  return own.includes('--help') || own.includes('-h');
}
