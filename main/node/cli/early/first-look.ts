// exec's first look (first-hops.ts) and the wait for its connection attempts to leave, as the CLI's entry loads
// them: only for `clusterwright exec`, from their own small bundle (cli-early-first-look.cjs, loaded with a plain
// require, before the command's bundle), so the other commands' start does not compile this code.
export { openFirstConnections } from '../first-hops.js';
export { attemptsUnderWay } from '../../ssh/early-tcp.js';
