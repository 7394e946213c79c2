// Builds the `pvecm` and `pvesh` stand-ins into one executable file each (esbuild) for a lab's bin
// directory, which every lab host sees as /usr/local/sbin; the lab's /etc/pve root is baked in.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CwError } from '../../../../common/errors.js';
import { appRoot } from '../../../paths.js';
import { defaultSchemaFile } from '../api-schema.js';

/** The API schema's file name next to the stand-ins (pvesh validates its requests with it). */
export const SCHEMA_BESIDE_STAND_INS = 'pve-apidata.json';

/**
 * The folder with pvecm-cli.ts and pvesh-cli.ts: this module's own when it runs from the sources, the
 * checkout's when it runs from a bundle (dist/node/cli.cjs for `clusterwright lab up`, dist/electron for the app).
 */
function standInSourceDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (fs.existsSync(path.join(here, 'pvecm-cli.ts'))) return here;
  const inCheckout = path.join(appRoot(), 'main', 'node', 'stacks', 'proxmox', 'simulator');
  if (fs.existsSync(path.join(inCheckout, 'pvecm-cli.ts'))) return inCheckout;
  throw new CwError('MISSING_DEPENDENCY', `The pvecm and pvesh stand-ins are built from their sources, which are not in ${inCheckout}. Run the lab from a source checkout.`);
}

/** Writes `<binDir>/pvecm` and `<binDir>/pvesh`. `pmxcfsRoot` must be a path every lab host sees (not under a host-private /tmp). */
export async function installPveStandIns(binDir: string, pmxcfsRoot: string): Promise<string[]> {
  if (/^\/(tmp|run|root)(\/|$)/.test(pmxcfsRoot)) {
    throw new CwError('INVALID_INPUT', `${pmxcfsRoot} is private to each lab host; put the Proxmox test servers' pmxcfs root elsewhere (e.g. under /var/tmp).`);
  }
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new CwError('MISSING_DEPENDENCY', 'Building the pvecm stand-in needs the esbuild package (a development dependency): run npm ci.');
  }
  const here = standInSourceDir();
  const written: string[] = [];
  for (const [name, entryFile, call] of [
    ['pvecm', 'pvecm-cli.ts', 'process.exitCode = main(process.argv.slice(2));'],
    ['pvesh', 'pvesh-cli.ts', 'main(process.argv.slice(2)).then((code) => { process.exitCode = code; });'],
  ] as const) {
    const entry = path.join(here, entryFile);
    const result = await esbuild.build({
      stdin: { contents: `import { main } from ${JSON.stringify(entry)};\n${call}\n`, resolveDir: here, loader: 'ts' },
      bundle: true,
      platform: 'node',
      // Extension-less and outside any package.json: Node runs it as CommonJS.
      format: 'cjs',
      target: 'node20',
      write: false,
      banner: { js: '#!/usr/bin/env node' },
      define: { 'process.env.CW_PVE_PMXCFS_ROOT': JSON.stringify(pmxcfsRoot) },
      logLevel: 'silent',
    });
    const out = path.join(binDir, name);
    fs.mkdirSync(binDir, { recursive: true });
    fs.writeFileSync(`${out}.tmp`, result.outputFiles[0]!.contents, { mode: 0o755 });
    fs.renameSync(`${out}.tmp`, out);
    written.push(out);
  }
  // The schema travels with the stand-ins: the repository may sit under a path that is private to
  // each lab host (a checkout in /tmp), while the bin directory is mounted into every host.
  const schemaCopy = path.join(binDir, SCHEMA_BESIDE_STAND_INS);
  fs.copyFileSync(defaultSchemaFile(), `${schemaCopy}.tmp`);
  fs.renameSync(`${schemaCopy}.tmp`, schemaCopy);
  written.push(schemaCopy);
  return written;
}
