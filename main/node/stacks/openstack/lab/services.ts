// Starting the real OpenStack services of the lab on 127.0.0.1 — Keystone under uwsgi, one nova region
// (nova-api, conductor, scheduler, placement, fake-driver computes), neutron-server with VPNaaS, glance-api —
// each with SQLite in WAL mode in its own private folder, a bounded start, and a port it is checked to own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { freePort, logTail, python, runStep, ServiceProcess, writePrivateFile, type ServiceStartOptions } from './process.js';
import { runnerFileName, runnerPython } from './runner-py.js';

export const uwsgi = '/usr/bin/uwsgi-core';
export const keystoneWsgi = '/usr/bin/keystone-wsgi-public';

/** What keystonemiddleware needs to validate tokens for a service (a service user in the `service` project). */
export interface ServiceAuth {
  keystoneUrl: string;
  username: string;
  password: string;
  project: string;
}

export interface ServiceTimings {
  /** Schema, keys, bootstrap: one-shot steps before the server starts. */
  setupMs: number;
  /** From spawning the server until it answered on its port. */
  serveMs: number;
}

export interface RunningService {
  name: string;
  pid: number;
  logFile: string;
  timings: ServiceTimings;
  stop(): Promise<void>;
}

/** The runner script in `dir` (written once per lab). */
export function writeRunner(dir: string): string {
  const file = path.join(dir, runnerFileName);
  if (!fs.existsSync(file)) fs.writeFileSync(file, runnerPython, { mode: 0o700 });
  return file;
}

function privateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** One `key = value` line of an oslo.config / paste file; values come from this module, never from a workspace. */
function ini(sections: Record<string, Record<string, string | number | boolean>>): string {
  return Object.entries(sections)
    .map(([section, values]) => {
      const lines = Object.entries(values).map(([k, v]) => {
        const text = String(v);
        if (/[\r\n]/.test(text) || /[\r\n=]/.test(k)) throw new CwError('INVALID_INPUT', `Refusing to write ${section}.${k}: a line break would start a new setting.`);
        return `${k} = ${text}`;
      });
      return `[${section}]\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

/** keystonemiddleware settings for a service, as its paste section or `[keystone_authtoken]` carries them. */
function authtoken(auth: ServiceAuth): Record<string, string> {
  return {
    auth_type: 'password',
    auth_url: auth.keystoneUrl,
    www_authenticate_uri: auth.keystoneUrl,
    username: auth.username,
    password: auth.password,
    project_name: auth.project,
    user_domain_id: 'default',
    project_domain_id: 'default',
    service_token_roles_required: 'true',
    http_connect_timeout: '10',
    http_request_max_retries: '3',
  };
}

async function answers(url: string, timeoutMs: number, name: string, proc: ServiceProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (!proc.running) throw new CwError('REMOTE_FAILED', `${name} exited before it answered on ${url}. Last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`);
    if (Date.now() > deadline) throw new CwError('TIMEOUT', `${name} did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s (${last}). Last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a server, waits until it holds `port` alone and answers on `url`; stops it again if it does not. */
async function serve(options: ServiceStartOptions, port: number, url: string, timeoutMs: number): Promise<ServiceProcess> {
  const proc = ServiceProcess.start(options);
  try {
    await proc.listening(port, timeoutMs);
    await answers(url, timeoutMs, proc.name, proc);
    return proc;
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

function wrap(proc: ServiceProcess, timings: ServiceTimings): RunningService {
  return { name: proc.name, pid: proc.pid, logFile: proc.logFile, timings, stop: () => proc.stop() };
}

// ---- Keystone ---------------------------------------------------------------------------------

export interface KeystoneStartOptions {
  dir: string;
  region: string;
  adminPassword: string;
  timeoutMs?: number;
}

export interface KeystoneService extends RunningService {
  /** `http://127.0.0.1:PORT/v3` */
  url: string;
  port: number;
  adminUser: string;
  adminProject: string;
}

export async function startKeystone(options: KeystoneStartOptions): Promise<KeystoneService> {
  const dir = privateDir(options.dir);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const runner = writeRunner(path.dirname(dir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/v3`;
  const configFile = path.join(dir, 'keystone.conf');
  const databaseFile = path.join(dir, 'keystone.db');
  writePrivateFile(
    configFile,
    ini({
      DEFAULT: { use_stderr: true },
      database: { connection: `sqlite:///${databaseFile}` },
      token: { provider: 'fernet', expiration: 3600 },
      // bcrypt's minimum cost: lab passwords are random and short-lived, and every token issue checks one.
      identity: { password_hash_rounds: 4 },
      fernet_tokens: { key_repository: path.join(dir, 'fernet-keys') },
      credential: { key_repository: path.join(dir, 'credential-keys') },
    }),
  );
  const { username, gid } = os.userInfo();
  const group = groupName(gid);
  const t0 = Date.now();
  await runStep(
    {
      name: 'Keystone setup (db_sync, WAL, fernet and credential keys, bootstrap)',
      argv: [python, runner, 'keystone-setup'],
      cwd: dir,
      input: JSON.stringify({ configFile, databaseFile, user: username, group, adminUser: 'admin', adminProject: 'admin', adminPassword: options.adminPassword, region: options.region, url: `${url}/` }),
      logFile: path.join(dir, 'setup.log'),
      secrets: [options.adminPassword],
    },
    timeoutMs,
  );
  const t1 = Date.now();
  // One process, one thread (SQLite's single writer). uwsgi's http-socket answers HTTP/1.1 without keep-alive
  // yet says nothing, so clients reuse a connection it has closed ("Remote end closed connection"): say it.
  const argv = [uwsgi, '--plugin', 'python3', '--http-socket', `127.0.0.1:${port}`, '--wsgi-file', keystoneWsgi, '--master', '--processes', '1', '--threads', '1', '--die-on-term', '--need-app', '--disable-logging', '--add-header', 'Connection: close', '--env', `OS_KEYSTONE_CONFIG_FILES=${configFile}`];
  const proc = await serve({ name: `Keystone on 127.0.0.1:${port}`, argv: [python, runner, 'exec'], input: JSON.stringify({ argv }), cwd: dir, logFile: path.join(dir, 'uwsgi.log') }, port, `${url}/`, timeoutMs);
  return { ...wrap(proc, { setupMs: t1 - t0, serveMs: Date.now() - t1 }), url, port, adminUser: 'admin', adminProject: 'admin' };
}

function groupName(gid: number): string {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (Number(id) === gid && name) return name;
    }
  } catch {
    /* fall through */
  }
  return String(gid);
}

// ---- nova (one region) ------------------------------------------------------------------------

export interface NovaRegionOptions {
  dir: string;
  region: string;
  /** Fake-driver compute hosts (two for live migration). */
  computeHosts: string[];
  auth: ServiceAuth;
  /** A real glance-api for images and snapshots; without it nova uses its in-process image fixture. */
  glanceUrl?: string;
  /** How long a fake live migration runs before it completes (time to watch it, abort it or force it). */
  liveMigrationSeconds?: number;
  timeoutMs?: number;
  /** The process ends by itself after this long (a bound for forgotten labs). */
  maxSeconds?: number;
}

export interface NovaRegionService extends RunningService {
  /** `http://127.0.0.1:PORT/v2.1` */
  computeUrl: string;
  placementUrl: string;
  computeHosts: string[];
}

function novaPaste(auth: ServiceAuth): string {
  // The compute API pipeline with real token validation (keystonemiddleware) and nova's Keystone context.
  return ini({
    'composite:osapi_compute': { use: 'call:nova.api.openstack.urlmap:urlmap_factory', '/': 'oscomputeversions', '/v2.1': 'openstack_compute_api_v21' },
    'composite:openstack_compute_api_v21': { use: 'call:nova.api.auth:pipeline_factory_v21', keystone: 'compute_req_id faultwrap authtoken keystonecontext osapi_compute_app_v21' },
    'filter:compute_req_id': { 'paste.filter_factory': 'nova.api.compute_req_id:ComputeReqIdMiddleware.factory' },
    'filter:faultwrap': { 'paste.filter_factory': 'nova.api.openstack:FaultWrapper.factory' },
    'filter:keystonecontext': { 'paste.filter_factory': 'nova.api.auth:NovaKeystoneContext.factory' },
    'filter:authtoken': { 'paste.filter_factory': 'keystonemiddleware.auth_token:filter_factory', ...authtoken(auth) },
    'app:osapi_compute_app_v21': { 'paste.app_factory': 'nova.api.openstack.compute:APIRouterV21.factory' },
    'pipeline:oscomputeversions': { pipeline: 'faultwrap oscomputeversionapp' },
    'app:oscomputeversionapp': { 'paste.app_factory': 'nova.api.openstack.compute.versions:Versions.factory' },
  });
}

export async function startNovaRegion(options: NovaRegionOptions): Promise<NovaRegionService> {
  const dir = privateDir(options.dir);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runner = writeRunner(path.dirname(dir));
  const pasteFile = path.join(dir, 'api-paste.ini');
  writePrivateFile(pasteFile, novaPaste(options.auth));
  const t0 = Date.now();
  const proc = ServiceProcess.start({
    name: `nova of ${options.region}`,
    argv: [python, runner, 'nova-region'],
    input: JSON.stringify({ workDir: dir, pasteFile, computeHosts: options.computeHosts, glanceUrl: options.glanceUrl, liveMigrationSeconds: options.liveMigrationSeconds ?? 0, authtoken: authtoken(options.auth), maxSeconds: options.maxSeconds }),
    cwd: dir,
    logFile: path.join(dir, 'harness.log'),
    secrets: [options.auth.password],
  });
  try {
    const ready = await proc.ready(timeoutMs);
    const computePort = Number(ready.computePort);
    const placementPort = Number(ready.placementPort);
    await proc.listening(computePort, 10_000);
    await proc.listening(placementPort, 10_000);
    return {
      ...wrap(proc, { setupMs: 0, serveMs: Date.now() - t0 }),
      computeUrl: `http://127.0.0.1:${computePort}/v2.1`,
      placementUrl: `http://127.0.0.1:${placementPort}`,
      computeHosts: options.computeHosts,
    };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

// ---- neutron-server with VPNaaS -----------------------------------------------------------------

export interface NeutronOptions {
  dir: string;
  region: string;
  auth: ServiceAuth;
  timeoutMs?: number;
}

export interface NeutronService extends RunningService {
  /** `http://127.0.0.1:PORT` (the API is under /v2.0). */
  url: string;
}

function neutronPaste(): string {
  return ini({
    'composite:neutron': { use: 'egg:Paste#urlmap', '/': 'neutronversions_composite', '/v2.0': 'neutronapi_v2_0' },
    'composite:neutronapi_v2_0': { use: 'call:neutron.auth:pipeline_factory', keystone: 'request_id catch_errors authtoken keystonecontext extensions neutronapiapp_v2_0' },
    'composite:neutronversions_composite': { use: 'call:neutron.auth:pipeline_factory', keystone: 'neutronversions' },
    'filter:request_id': { 'paste.filter_factory': 'oslo_middleware:RequestId.factory' },
    'filter:catch_errors': { 'paste.filter_factory': 'oslo_middleware:CatchErrors.factory' },
    'filter:keystonecontext': { 'paste.filter_factory': 'neutron.auth:NeutronKeystoneContext.factory' },
    'filter:authtoken': { 'paste.filter_factory': 'keystonemiddleware.auth_token:filter_factory' },
    'filter:extensions': { 'paste.filter_factory': 'neutron.api.extensions:plugin_aware_extension_middleware_factory' },
    'app:neutronversions': { 'paste.app_factory': 'neutron.pecan_wsgi.app:versions_factory' },
    'app:neutronapiapp_v2_0': { 'paste.app_factory': 'neutron.api.v2.router:APIRouter.factory' },
  });
}

export async function startNeutron(options: NeutronOptions): Promise<NeutronService> {
  const dir = privateDir(options.dir);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runner = writeRunner(path.dirname(dir));
  const port = await freePort();
  const databaseFile = path.join(dir, 'neutron.db');
  const configFile = path.join(dir, 'neutron.conf');
  const pasteFile = path.join(dir, 'api-paste.ini');
  writePrivateFile(pasteFile, neutronPaste());
  writePrivateFile(
    configFile,
    ini({
      DEFAULT: {
        core_plugin: 'ml2',
        service_plugins: 'router,vpnaas',
        auth_strategy: 'keystone',
        // In-process messaging: there are no agents; the API and its database are what the lab offers.
        transport_url: 'fake:/',
        bind_host: '127.0.0.1',
        bind_port: port,
        api_paste_config: pasteFile,
        state_path: dir,
        use_stderr: true,
        api_workers: 0,
        rpc_workers: 0,
        rpc_state_report_workers: 0,
        notify_nova_on_port_status_changes: false,
        notify_nova_on_port_data_changes: false,
      },
      database: { connection: `sqlite:///${databaseFile}` },
      oslo_concurrency: { lock_path: path.join(dir, 'lock') },
      ml2: { type_drivers: 'flat,vxlan', tenant_network_types: 'vxlan', mechanism_drivers: '', extension_drivers: 'port_security' },
      ml2_type_vxlan: { vni_ranges: '1:1000' },
      ml2_type_flat: { flat_networks: '*' },
      service_providers: { service_provider: 'VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default' },
      keystone_authtoken: authtoken(options.auth),
    }),
  );
  const t0 = Date.now();
  await runStep({ name: `neutron schema of ${options.region}`, argv: [python, runner, 'neutron-schema'], input: JSON.stringify({ databaseFile }), cwd: dir, logFile: path.join(dir, 'schema.log') }, timeoutMs);
  const t1 = Date.now();
  const url = `http://127.0.0.1:${port}`;
  const proc = await serve({ name: `neutron-server of ${options.region} on 127.0.0.1:${port}`, argv: [python, runner, 'neutron-server'], input: JSON.stringify({ configFile }), cwd: dir, logFile: path.join(dir, 'server.log'), secrets: [options.auth.password] }, port, `${url}/`, timeoutMs);
  return { ...wrap(proc, { setupMs: t1 - t0, serveMs: Date.now() - t1 }), url };
}

// ---- glance-api ---------------------------------------------------------------------------------

export interface GlanceOptions {
  dir: string;
  region: string;
  auth: ServiceAuth;
  /** Chosen in advance so nova can be configured with glance's URL while both start. */
  port?: number;
  timeoutMs?: number;
}

export interface GlanceService extends RunningService {
  /** `http://127.0.0.1:PORT` (the API is under /v2). */
  url: string;
}

function glancePaste(): string {
  return ini({
    'pipeline:glance-api-keystone': { pipeline: 'versionnegotiation authtoken context rootapp' },
    'composite:rootapp': { 'paste.composite_factory': 'glance.api:root_app_factory', '/': 'apiversions', '/v2': 'apiv2app' },
    'app:apiversions': { 'paste.app_factory': 'glance.api.versions:create_resource' },
    'app:apiv2app': { 'paste.app_factory': 'glance.api.v2.router:API.factory' },
    'filter:versionnegotiation': { 'paste.filter_factory': 'glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory' },
    'filter:context': { 'paste.filter_factory': 'glance.api.middleware.context:ContextMiddleware.factory' },
    'filter:authtoken': { 'paste.filter_factory': 'keystonemiddleware.auth_token:filter_factory', delay_auth_decision: 'true' },
  });
}

export async function startGlance(options: GlanceOptions): Promise<GlanceService> {
  const dir = privateDir(options.dir);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runner = writeRunner(path.dirname(dir));
  const port = options.port ?? (await freePort());
  const databaseFile = path.join(dir, 'glance.db');
  const configFile = path.join(dir, 'glance-api.conf');
  const pasteFile = path.join(dir, 'glance-api-paste.ini');
  writePrivateFile(pasteFile, glancePaste());
  writePrivateFile(
    configFile,
    ini({
      DEFAULT: { bind_host: '127.0.0.1', bind_port: port, workers: 0, use_stderr: true, enabled_backends: 'local:file' },
      database: { connection: `sqlite:///${databaseFile}` },
      glance_store: { default_backend: 'local' },
      local: { filesystem_store_datadir: path.join(dir, 'images') },
      os_glance_staging_store: { filesystem_store_datadir: path.join(dir, 'staging') },
      os_glance_tasks_store: { filesystem_store_datadir: path.join(dir, 'tasks') },
      paste_deploy: { flavor: 'keystone', config_file: pasteFile },
      oslo_concurrency: { lock_path: path.join(dir, 'lock') },
      keystone_authtoken: authtoken(options.auth),
    }),
  );
  const t0 = Date.now();
  await runStep({ name: `glance db_sync of ${options.region}`, argv: [python, runner, 'glance-db-sync'], input: JSON.stringify({ configFile, databaseFile }), cwd: dir, logFile: path.join(dir, 'db-sync.log'), secrets: [options.auth.password] }, timeoutMs);
  const t1 = Date.now();
  const url = `http://127.0.0.1:${port}`;
  const proc = await serve({ name: `glance-api of ${options.region} on 127.0.0.1:${port}`, argv: [python, runner, 'glance-api'], input: JSON.stringify({ configFile }), cwd: dir, logFile: path.join(dir, 'api.log'), secrets: [options.auth.password] }, port, `${url}/`, timeoutMs);
  return { ...wrap(proc, { setupMs: t1 - t0, serveMs: Date.now() - t1 }), url };
}
