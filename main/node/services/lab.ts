// lab.* methods: start, inspect and stop the local multi-site lab from the app (see main/node/lab).
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Handlers } from '../dispatcher.js';
import { defaultLabStateDir, loadLabSpec, openLab, preflight, startLab, stopLab } from '../lab/index.js';
import { stateFilePath } from '../lab/state.js';
import { appRoot } from '../paths.js';

export interface LabServiceOptions {
  stateDir?: string;
  examplesDir?: string;
  /** Lab prefix (tests use their own so several labs can run at once). */
  prefix?: string;
}

export function labHandlers(options: LabServiceOptions = {}): Pick<Handlers, 'lab.status' | 'lab.up' | 'lab.down'> {
  const stateDir = () => options.stateDir ?? defaultLabStateDir();
  const examplesDir = () => options.examplesDir ?? path.join(appRoot(), 'assets', 'labs');
  const examples = () => {
    let files: string[] = [];
    try {
      files = fs.readdirSync(examplesDir()).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
    } catch {
      return [];
    }
    return files.sort().flatMap((file) => {
      try {
        const text = fs.readFileSync(path.join(examplesDir(), file), 'utf8');
        const spec = loadLabSpec(text, file);
        const title = text.split('\n').find((l) => l.startsWith('#'))?.replace(/^#\s*/, '') ?? spec.name;
        return [{ name: file.replace(/\.ya?ml$/, ''), title, hosts: spec.sites.reduce((n, s) => n + s.hosts.length, 0), sites: spec.sites.length }];
      } catch {
        return [];
      }
    });
  };
  const availability = (): { available: boolean; reason?: string } => {
    try {
      preflight();
      return { available: true };
    } catch (error) {
      return { available: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
  return {
    'lab.status': async () => {
      const base = { ...availability(), examples: examples() };
      if (!fs.existsSync(stateFilePath(stateDir()))) return { ...base, running: false, hosts: [] };
      try {
        const lab = openLab(stateDir());
        const status = await lab.status();
        return {
          ...base,
          running: status.hosts.some((h) => h.running),
          name: status.name,
          workspacePath: lab.workspacePath,
          hosts: status.hosts.map((h) => ({ name: h.name, site: h.site, addresses: h.addresses, running: h.running })),
        };
      } catch {
        return { ...base, running: false, hosts: [] };
      }
    },
    'lab.up': async (input) => {
      const file = path.join(examplesDir(), `${input.example}.yml`);
      if (!fs.existsSync(file)) {
        throw new CwError('NOT_FOUND', `There is no example lab "${input.example}" (available: ${examples().map((e) => e.name).join(', ') || 'none'}).`);
      }
      const spec = loadLabSpec(fs.readFileSync(file, 'utf8'), file);
      const lab = await startLab(spec, { stateDir: stateDir(), ...(options.prefix ? { prefix: options.prefix } : {}), replace: Boolean(input.replace) });
      return { name: lab.name, workspacePath: lab.workspacePath, upMs: lab.upMs ?? 0, hosts: lab.hosts.length };
    },
    'lab.down': async () => {
      const removed = await stopLab(stateDir(), options.prefix ? { prefix: options.prefix } : {});
      return { namespaces: removed.netns.length, processes: removed.processes };
    },
  };
}
