// The OpenStack part of the lab: one shared Keystone and, per region, a real nova (with placement and
// fake-driver computes), optionally glance-api and neutron-server with VPNaaS — all on 127.0.0.1, in a
// private temp folder removed on stop, every process stopped by the process-group id its start returned.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { KeystoneClient } from '../client/keystone.js';
import { OpenstackHttp } from '../client/http.js';
import type { EndpointRegistration } from '../client/keystone.js';
import { freePort, python } from './process.js';
import { keystoneWsgi, startGlance, startKeystone, startNeutron, startNovaRegion, uwsgi, type GlanceService, type KeystoneService, type NeutronService, type NovaRegionService, type RunningService, type ServiceAuth } from './services.js';

export interface OpenstackLabRegionSpec {
  name: string;
  /** Fake-driver compute hosts; two allow live migration. */
  computeHosts?: string[];
  glance?: boolean;
  neutron?: boolean;
  /** Seconds a fake live migration runs before it completes (0: at once). */
  liveMigrationSeconds?: number;
}

export interface OpenstackLabSpec {
  regions: OpenstackLabRegionSpec[];
  /** The region Keystone is bootstrapped in (default: the first). */
  keystoneRegion?: string;
  /** Parent of the lab's private folder (default: the OS temp folder). */
  baseDir?: string;
  /** Each nova process ends by itself after this long, even if nobody stops it. */
  maxSeconds?: number;
  timeoutMs?: number;
  /** The bootstrap admin's password (default: a new random one). */
  adminPassword?: string;
}

export interface OpenstackLabRegion {
  name: string;
  nova: NovaRegionService;
  glance?: GlanceService;
  neutron?: NeutronService;
}

export interface OpenstackLab {
  dir: string;
  keystone: KeystoneService;
  /** The bootstrap admin (project `admin`, domain `default`); the password lives only in memory. */
  admin: { username: string; password: string; project: string };
  regions: OpenstackLabRegion[];
  /** Start times in ms, per service. */
  timings: Record<string, { setupMs: number; serveMs: number }>;
  /** What a shared catalog should hold for these regions (the product registers it; the lab does not). */
  endpointRegistrations(): EndpointRegistration[];
  /** Stops everything and removes the lab folder; `keepLogsIn` first copies every service log there. */
  stop(options?: { keepLogsIn?: string }): Promise<void>;
}

/** Copies the lab's *.log files (not the configs, which hold the passwords), with the lab's secrets masked. */
function copyLogs(from: string, to: string, secrets: string[]): void {
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.log')) {
        const target = path.join(to, path.relative(from, full));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        let text = fs.readFileSync(full, 'utf8');
        for (const secret of secrets) text = text.split(secret).join('***');
        fs.writeFileSync(target, text, { mode: 0o600 });
      }
    }
  };
  walk(from);
}

const regionPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const hostPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why the OpenStack lab cannot run here (a missing Debian package), or undefined when it can. */
export function openstackLabSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'the OpenStack lab runs on Linux only';
  for (const [file, pkg] of [
    [python, 'python3'],
    [uwsgi, 'uwsgi-core'],
    ['/usr/lib/uwsgi/plugins/python3_plugin.so', 'uwsgi-plugin-python3'],
    [keystoneWsgi, 'python3-keystone'],
  ] as const) {
    if (!fs.existsSync(file)) return `${file} is missing (Debian package ${pkg})`;
  }
  // Files, not imports: importing them all takes seconds; a broken install shows at start with the log.
  const site = '/usr/lib/python3/dist-packages';
  for (const [module, pkg] of [
    ['keystone', 'python3-keystone'],
    ['nova/tests/functional/integrated_helpers.py', 'python3-nova'],
    ['placement/tests/functional/fixtures', 'python3-placement'],
    ['wsgi_intercept', 'python3-wsgi-intercept'],
    ['oslotest', 'python3-oslotest'],
    ['neutron', 'python3-neutron'],
    ['neutron_vpnaas', 'python3-neutron-vpnaas'],
    ['glance', 'python3-glance'],
  ] as const) {
    if (!fs.existsSync(path.join(site, module))) return `${path.join(site, module)} is missing (Debian package ${pkg}; .ci/run installs it)`;
  }
  return undefined;
}

function newSecret(secrets: string[]): string {
  const value = randomBytes(18).toString('hex');
  secrets.push(value);
  return value;
}

/** Starts Keystone, then every region's services in parallel; on any failure stops what started and throws. */
export async function startOpenstackLab(spec: OpenstackLabSpec): Promise<OpenstackLab> {
  if (spec.regions.length === 0) throw new CwError('INVALID_INPUT', 'An OpenStack lab needs at least one region.');
  const names = new Set<string>();
  for (const r of spec.regions) {
    if (!regionPattern.test(r.name)) throw new CwError('INVALID_INPUT', `Lab region name '${r.name}' is not usable: letters, digits, '.', '_', '-'.`);
    if (names.has(r.name)) throw new CwError('INVALID_INPUT', `Lab region ${r.name} is listed twice.`);
    names.add(r.name);
    for (const h of r.computeHosts ?? []) if (!hostPattern.test(h)) throw new CwError('INVALID_INPUT', `Compute host name '${h}' in lab region ${r.name} is not a host name.`);
  }
  const keystoneRegion = spec.keystoneRegion ?? spec.regions[0]!.name;
  if (!names.has(keystoneRegion)) throw new CwError('INVALID_INPUT', `Keystone region ${keystoneRegion} is not one of the lab's regions.`);
  const dir = fs.mkdtempSync(path.join(spec.baseDir ?? os.tmpdir(), 'cw-openstack-'));
  fs.chmodSync(dir, 0o700);
  const started: RunningService[] = [];
  const secrets: string[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.splice(0).reverse().map((s) => s.stop()));
  };
  // A test runner that exits without stop(): the services get SIGTERM from PR_SET_PDEATHSIG; this covers a normal exit.
  const onExit = (): void => {
    for (const s of started) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const timeoutMs = spec.timeoutMs ?? 120_000;
  try {
    const adminPassword = spec.adminPassword ?? newSecret(secrets);
    if (spec.adminPassword) secrets.push(spec.adminPassword);
    const keystone = await startKeystone({ dir: path.join(dir, 'keystone'), region: keystoneRegion, adminPassword, timeoutMs });
    started.push(keystone);
    const timings: OpenstackLab['timings'] = { keystone: keystone.timings };

    // Service users per region and service (`nova-RegionTwo`): services of different regions never share a user.
    const http = new OpenstackHttp({ timeoutMs: 30_000 });
    const admin = new KeystoneClient({ authUrl: keystone.url, http, credentials: { kind: 'password', user: { name: 'admin', domain: { id: 'default' } }, password: adminPassword, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
    const project = await admin.ensureProject('service');
    const roles = [await admin.ensureRole('admin'), await admin.ensureRole('service')];
    const serviceAuth = async (service: string, region: string): Promise<ServiceAuth> => {
      const password = newSecret(secrets);
      const user = await admin.ensureUser(`${service}-${region}`, password, 'default', project.id);
      for (const role of roles) await admin.grantProjectRole(project.id, user.id, role.id);
      return { keystoneUrl: keystone.url, username: `${service}-${region}`, password, project: 'service' };
    };
    const auths = new Map<string, ServiceAuth>();
    for (const r of spec.regions) {
      auths.set(`nova/${r.name}`, await serviceAuth('nova', r.name));
      if (r.glance) auths.set(`glance/${r.name}`, await serviceAuth('glance', r.name));
      if (r.neutron) auths.set(`neutron/${r.name}`, await serviceAuth('neutron', r.name));
    }
    await http.close();

    const regionTasks = spec.regions.map(async (r): Promise<OpenstackLabRegion> => {
      const rdir = path.join(dir, r.name);
      fs.mkdirSync(rdir, { mode: 0o700 });
      const track = <T extends RunningService>(s: T): T => (started.push(s), s);
      // All of a region's services start at once: glance's port is picked first so nova can be told its URL.
      const glancePort = r.glance ? await freePort() : undefined;
      const [nova, glance, neutron] = await Promise.all([
        startNovaRegion({ dir: path.join(rdir, 'nova'), region: r.name, computeHosts: r.computeHosts ?? ['host1', 'host2'], auth: auths.get(`nova/${r.name}`)!, glanceUrl: glancePort ? `http://127.0.0.1:${glancePort}` : undefined, liveMigrationSeconds: r.liveMigrationSeconds, timeoutMs, maxSeconds: spec.maxSeconds }).then(track),
        r.glance ? startGlance({ dir: path.join(rdir, 'glance'), region: r.name, auth: auths.get(`glance/${r.name}`)!, port: glancePort, timeoutMs }).then(track) : undefined,
        r.neutron ? startNeutron({ dir: path.join(rdir, 'neutron'), region: r.name, auth: auths.get(`neutron/${r.name}`)!, timeoutMs }).then(track) : undefined,
      ]);
      return { name: r.name, nova, glance, neutron };
    });
    const settled = await Promise.allSettled(regionTasks);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const regions = settled.map((s) => (s as PromiseFulfilledResult<OpenstackLabRegion>).value);
    for (const r of regions) {
      timings[`nova/${r.name}`] = r.nova.timings;
      if (r.glance) timings[`glance/${r.name}`] = r.glance.timings;
      if (r.neutron) timings[`neutron/${r.name}`] = r.neutron.timings;
    }
    let stopped = false;
    return {
      dir,
      keystone,
      admin: { username: 'admin', password: adminPassword, project: 'admin' },
      regions,
      timings,
      endpointRegistrations: () =>
        regions.flatMap((r): EndpointRegistration[] => {
          const all = (url: string) => ({ public: url, internal: url });
          return [
            { type: 'identity', name: 'keystone', region: r.name, urls: all(`${keystone.url}/`) },
            { type: 'compute', name: 'nova', region: r.name, urls: all(r.nova.computeUrl) },
            { type: 'placement', name: 'placement', region: r.name, urls: all(r.nova.placementUrl) },
            ...(r.glance ? [{ type: 'image', name: 'glance', region: r.name, urls: all(r.glance.url) }] : []),
            ...(r.neutron ? [{ type: 'network', name: 'neutron', region: r.name, urls: all(r.neutron.url) }] : []),
          ];
        }),
      stop: async (options) => {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (options?.keepLogsIn) copyLogs(dir, options.keepLogsIn, secrets);
        process.removeListener('exit', onExit);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    process.removeListener('exit', onExit);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
