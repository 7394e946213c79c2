// A CLI command parses with each schema about once per process: zod's fast path (code generated and compiled for
// each object schema on its first parse) costs more there than it saves. A command imports this module first, so
// it runs before any schema is built (zod reads the setting when it builds an object schema). validate and exec
// (a script's fan-out) use it; never serve or start, which parse for as long as they run.
import * as z from 'zod';

z.config({ jitless: true });
