// exec's first look (first-hops.ts) and the wait for its connection attempts to leave, from their own small bundle
// (cli-early-first-look.cjs, loaded with a plain require). bin/clusterwright.mjs runs it for `clusterwright exec`
// before it loads the rest of the CLI; the CLI's entry (main.ts) then takes the same connections from here (or opens
// them itself when started another way). Other commands never load this code.
import type { EarlyTcp } from '../../ssh/early-tcp.js';
import { openFirstConnections } from '../first-hops.js';
import { isHelpRequest } from '../help-request.js';

export { attemptsUnderWay } from '../../ssh/early-tcp.js';

let opened: { argv: string; connections: EarlyTcp[] } | undefined;

/**
 * exec's first connections for the CLI's arguments (`exec …`), opened on the first call and the same ones on later
 * calls with the same arguments; undefined for any other command, or a request for exec's help.
 */
export function firstConnections(argv: string[], env: NodeJS.ProcessEnv): EarlyTcp[] | undefined {
  if (argv[0] !== 'exec' || isHelpRequest(argv.slice(1))) return undefined;
  const key = JSON.stringify(argv);
  if (opened?.argv !== key) opened = { argv: key, connections: openFirstConnections(argv.slice(1), env) };
  return opened.connections;
}
