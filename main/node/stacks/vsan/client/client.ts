// The vSphere client of the vSAN stack: one vCenter session (SessionManager.Login on /sdk, the same
// cookie on /vsanHealth), the PropertyCollector for reads and for following tasks (WaitForUpdatesEx), and
// typed calls for each step of building a vSAN stretched cluster. Secrets come from the caller at the
// moment of use and never reach a log, an error or a stored value.
import { CwError } from '../../../../common/errors.js';
import { colour, type HealthSummary } from '../../../../common/stacks/vsan/health.js';
import { normalizeThumbprint } from '../../../../common/stacks/vsan/thumbprint.js';
import type { DataObject, Echo } from './schema.js';
import { SoapTransport, faultCode, readFault, type VcenterEndpoint } from './soap.js';
import { XNode, parseXml, type MoRef } from './xml.js';

export type SecretSource = string | (() => string | Promise<string>);

async function reveal(s: SecretSource): Promise<string> {
  return typeof s === 'function' ? await s() : s;
}

export interface VsphereClientOptions {
  endpoint: VcenterEndpoint;
  username: string;
  password: SecretSource;
  timeoutMs?: number;
  /** Call lines (method, endpoint, ms) — never parameters, never secrets. */
  log?: (line: string) => void;
  /** Sees each request body with secrets replaced by *** (conformance tests). */
  onRequest?: (method: string, body: string) => void;
}

export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  /** Recent tasks (a move already running is found here). */
  taskManager?: MoRef;
  about: { fullName: string; apiVersion: string; apiType: string };
}

export interface ObjectContent {
  obj: MoRef;
  props: Map<string, XNode>;
}

export interface TaskProgress {
  task: MoRef;
  state: string;
  progress: number;
}

/** The fixed vSAN managed objects on vCenter (vsanapiutils / govmomi vsan client). */
export const VSAN = {
  stretchedClusterSystem: { type: 'VimClusterVsanVcStretchedClusterSystem', value: 'vsan-stretched-cluster-system' },
  diskManagementSystem: { type: 'VimClusterVsanVcDiskManagementSystem', value: 'vsan-disk-management-system' },
  clusterHealthSystem: { type: 'VsanVcClusterHealthSystem', value: 'vsan-cluster-health-system' },
} as const satisfies Record<string, MoRef>;

/** Methods that only read; everything else changes vCenter (the idempotence tests count those). */
export const READ_ONLY_METHODS = new Set([
  'RetrieveServiceContent', 'Login', 'Logout', 'CreateContainerView', 'DestroyView', 'RetrievePropertiesEx', 'ContinueRetrievePropertiesEx',
  'CreateFilter', 'WaitForUpdatesEx', 'DestroyPropertyFilter', 'VSANVcRetrieveStretchedClusterVcCapability', 'VSANVcGetWitnessHosts',
  'VSANVcIsWitnessHost', 'VsanQueryVcClusterHealthSummary', 'QueryDisksForVsan', 'VSANVcGetPreferredFaultDomain',
]);

export interface HostConnection {
  /** The name vCenter reaches the host by (FQDN or address). */
  hostName: string;
  userName: string;
  password: SecretSource;
  /** The host certificate's thumbprint the admin pinned before; a different one is refused. */
  thumbprint?: string;
  /**
   * Asked when vCenter reports a thumbprint nobody pinned yet (SSLVerifyFault): true to add the host with it.
   * Without it (or when it says no) the call fails with HOST_KEY_UNKNOWN carrying the thumbprint.
   */
  confirmThumbprint?: (seen: { host: string; thumbprint: string }) => Promise<boolean>;
}

function versionFrom(doc: string | undefined, ns: string): string | undefined {
  if (!doc) return undefined;
  const root = parseXml(doc, `${ns} service versions`);
  return root.all('namespace').find((n) => n.text('name') === ns)?.text('version')?.trim() || undefined;
}

/** One task wait at a time per session: vCenter allows one outstanding WaitForUpdatesEx per collector. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class VsphereClient {
  private vsanVersion: string | undefined;
  private readonly waits = new Queue();
  private login: () => Promise<void> = async () => undefined;

  private constructor(
    readonly transport: SoapTransport,
    readonly content: ServiceContent,
    readonly vimVersion: string,
  ) {}

  /** Runs a call; when vCenter ended the session (idle timeout, restart) it logs in again once and repeats it. */
  private async inSession(method: string, call: () => Promise<XNode>): Promise<XNode> {
    try {
      return await call();
    } catch (err) {
      const fault = err instanceof CwError ? (err.detail as { fault?: { type?: string } } | undefined)?.fault : undefined;
      if (fault?.type !== 'NotAuthenticated' || method === 'Login' || method === 'Logout') throw err;
      this.transport.dropSession();
      await this.login();
      return call();
    }
  }

  /** Connects (certificate pinned first), reads the service content and logs in. */
  static async connect(options: VsphereClientOptions): Promise<VsphereClient> {
    const transport = new SoapTransport(options.endpoint, { timeoutMs: options.timeoutMs, log: options.log, onRequest: options.onRequest });
    try {
      const listed = versionFrom(await transport.getDocument('/sdk/vimServiceVersions.xml'), 'urn:vim25');
      const si = await transport.call('/sdk', 'urn:vim25', listed ?? '6.5', 'RetrieveServiceContent', { _this: { type: 'ServiceInstance', value: 'ServiceInstance' } });
      const rv = si.child('returnval');
      const need = (name: string): MoRef => {
        const ref = rv?.moref(name);
        if (!ref) throw new CwError('INVALID_OUTPUT', `vCenter at ${transport.where} sent a service content without ${name}.`);
        return ref;
      };
      const about = rv?.child('about');
      const content: ServiceContent = {
        rootFolder: need('rootFolder'),
        propertyCollector: need('propertyCollector'),
        viewManager: need('viewManager'),
        sessionManager: need('sessionManager'),
        ...(rv?.moref('taskManager') ? { taskManager: rv.moref('taskManager')! } : {}),
        about: { fullName: about?.text('fullName') ?? '', apiVersion: about?.text('apiVersion') ?? '', apiType: about?.text('apiType') ?? '' },
      };
      if (content.about.apiType && content.about.apiType !== 'VirtualCenter') {
        throw new CwError('UNSUPPORTED', `${transport.where} is ${content.about.fullName || content.about.apiType}, not vCenter Server; a vSAN stretched cluster is configured through vCenter.`);
      }
      const client = new VsphereClient(transport, content, listed ?? (content.about.apiVersion || '6.5'));
      client.login = async () => {
        const password = await reveal(options.password);
        transport.addSecret(password);
        await client.vim('Login', content.sessionManager, { userName: options.username, password });
      };
      await client.login();
      return client;
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  get where(): string {
    return this.transport.where;
  }

  async logout(): Promise<void> {
    try {
      if (this.transport.hasSession) await this.vim('Logout', this.content.sessionManager, {});
    } finally {
      this.transport.dropSession();
      await this.transport.close();
    }
  }

  /** A vim25 call on `_this`. */
  vim(method: string, thisRef: MoRef, params: Record<string, unknown>): Promise<XNode> {
    return this.inSession(method, () => this.transport.call('/sdk', 'urn:vim25', this.vimVersion, method, { _this: thisRef, ...params }));
  }

  /** A vSAN call on `_this` (version from /sdk/vsanServiceVersions.xml, the /sdk session cookie). */
  async vsan(method: string, thisRef: MoRef, params: Record<string, unknown>): Promise<XNode> {
    if (!this.vsanVersion) {
      const version = versionFrom(await this.transport.getDocument('/sdk/vsanServiceVersions.xml'), 'urn:vsan');
      if (!version) throw new CwError('UNSUPPORTED', `vCenter at ${this.where} does not serve /sdk/vsanServiceVersions.xml: its vSAN management API is unavailable (vCenter older than 6.7, or the vSAN health service is down).`);
      this.vsanVersion = version;
    }
    const version = this.vsanVersion;
    return this.inSession(method, () => this.transport.call('/vsanHealth', 'urn:vsan', version, method, { _this: thisRef, ...params }));
  }

  // ------------------------------------------------------------------------------------------
  // Reading through the PropertyCollector

  /** RetrievePropertiesEx with continuation: every object the specs select. */
  async retrieve(specSet: DataObject[]): Promise<ObjectContent[]> {
    const out: ObjectContent[] = [];
    let res = await this.vim('RetrievePropertiesEx', this.content.propertyCollector, { specSet, options: {} });
    for (;;) {
      const rv = res.child('returnval');
      for (const o of rv?.all('objects') ?? []) {
        const props = new Map<string, XNode>();
        for (const p of o.all('propSet')) props.set(p.text('name') ?? '', p.child('val')!);
        out.push({ obj: o.child('obj')!.asMoRef(), props });
      }
      const token = rv?.text('token');
      if (!token) return out;
      res = await this.vim('ContinueRetrievePropertiesEx', this.content.propertyCollector, { token });
    }
  }

  /** Properties of one object (paths vCenter did not set are absent from the map). */
  async properties(obj: MoRef, paths: string[]): Promise<Map<string, XNode>> {
    const found = await this.retrieve([{ propSet: [{ type: obj.type, pathSet: paths }], objectSet: [{ obj, skip: false }] }]);
    return found[0]?.props ?? new Map();
  }

  /** Every object of a kind below `container` (a ContainerView, destroyed afterwards). */
  async list(kind: string, paths: string[], container: MoRef = this.content.rootFolder): Promise<ObjectContent[]> {
    const view = (await this.vim('CreateContainerView', this.content.viewManager, { container, type: [kind], recursive: true })).moref('returnval')!;
    try {
      return await this.retrieve([
        {
          propSet: [{ type: kind, pathSet: paths }],
          objectSet: [{ obj: view, skip: true, selectSet: [{ _type: 'TraversalSpec', name: 'view', type: 'ContainerView', path: 'view', skip: false }] }],
        },
      ]);
    } finally {
      await this.vim('DestroyView', view, {});
    }
  }

  async findDatacenter(name: string): Promise<{ ref: MoRef; hostFolder: MoRef; vmFolder: MoRef; networkFolder: MoRef } | undefined> {
    const found = (await this.list('Datacenter', ['name', 'hostFolder', 'vmFolder', 'networkFolder'])).find((d) => d.props.get('name')?.text() === name);
    if (!found) return undefined;
    return { ref: found.obj, hostFolder: found.props.get('hostFolder')!.asMoRef(), vmFolder: found.props.get('vmFolder')!.asMoRef(), networkFolder: found.props.get('networkFolder')!.asMoRef() };
  }

  /** Objects of a kind by name below a container, with their parent. */
  async findByName(kind: 'ClusterComputeResource' | 'HostSystem' | 'VirtualMachine', name: string, container?: MoRef): Promise<{ ref: MoRef; parent: MoRef | undefined } | undefined> {
    const found = (await this.list(kind, ['name', 'parent'], container)).find((o) => o.props.get('name')?.text() === name);
    return found ? { ref: found.obj, parent: found.props.get('parent')?.asMoRef() } : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Tasks

  /** Follows a task with WaitForUpdatesEx until it ends; resolves with its result, throws its fault. */
  waitForTask(task: MoRef, options: { onProgress?: (p: TaskProgress) => void; timeoutMs?: number; what?: string } = {}): Promise<XNode | undefined> {
    return this.waits.run(async () => {
      const pc = this.content.propertyCollector;
      const spec = { propSet: [{ type: 'Task', pathSet: ['info.state', 'info.progress', 'info.result', 'info.error'] }], objectSet: [{ obj: task, skip: false }] };
      const filter = (await this.vim('CreateFilter', pc, { spec, partialUpdates: false })).moref('returnval')!;
      const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
      const info: { state?: string; progress: number; result?: XNode; error?: XNode } = { progress: 0 };
      try {
        let version = '';
        for (;;) {
          const res = await this.vim('WaitForUpdatesEx', pc, { version, options: { maxWaitSeconds: 10 } });
          const set = res.child('returnval');
          if (set) {
            version = set.text('version') ?? version;
            for (const fs of set.all('filterSet')) {
              if (fs.child('filter')?.text() !== filter.value) continue;
              for (const os of fs.all('objectSet')) {
                for (const change of os.all('changeSet')) {
                  const val = change.text('op') === 'remove' ? undefined : change.child('val');
                  switch (change.text('name')) {
                    case 'info.state':
                      info.state = val?.text();
                      break;
                    case 'info.progress':
                      info.progress = Number(val?.text() ?? info.progress) || info.progress;
                      break;
                    case 'info.result':
                      info.result = val;
                      break;
                    case 'info.error':
                      info.error = val;
                      break;
                  }
                }
              }
            }
            options.onProgress?.({ task, state: info.state ?? 'queued', progress: info.state === 'success' ? 100 : info.progress });
          }
          if (info.state === 'success') return info.result;
          if (info.state === 'error') throw this.taskError(task, info.error, options.what);
          if (Date.now() > deadline) throw new CwError('TIMEOUT', `${options.what ?? `Task ${task.value}`} on vCenter ${this.where} is still running after ${Math.round((options.timeoutMs ?? 1_800_000) / 1000)} s; it keeps running in vCenter — check its Recent Tasks.`, { task });
        }
      } finally {
        await this.vim('DestroyPropertyFilter', filter, {});
      }
    });
  }

  private taskError(task: MoRef, error: XNode | undefined, what?: string): CwError {
    const faultNode = error?.child('fault');
    const message = this.transport.redact(error?.text('localizedMessage')?.trim() ?? '');
    const fault = faultNode ? readFault(faultNode, message) : { type: 'SystemError', message, fields: {} };
    for (const k of Object.keys(fault.fields)) fault.fields[k] = this.transport.redact(fault.fields[k]!);
    return new CwError(faultCode(fault.type), `${what ?? `Task ${task.value}`} failed on vCenter ${this.where}: ${message || fault.type} (${fault.type}).`, { fault, task });
  }

  /** Runs a method that returns a task and follows it. */
  async runTask(endpoint: 'vim' | 'vsan', method: string, thisRef: MoRef, params: Record<string, unknown>, options: { onProgress?: (p: TaskProgress) => void; what?: string } = {}): Promise<XNode | undefined> {
    const res = endpoint === 'vim' ? await this.vim(method, thisRef, params) : await this.vsan(method, thisRef, params);
    return this.waitForTask(res.moref('returnval')!, { ...options, what: options.what ?? method });
  }

  // ------------------------------------------------------------------------------------------
  // Cluster and hosts

  async createCluster(hostFolder: MoRef, name: string): Promise<MoRef> {
    const res = await this.vim('CreateClusterEx', hostFolder, { name, spec: {} });
    return res.moref('returnval')!;
  }

  /**
   * Adds an ESXi host, into a cluster (AddHost_Task) or as a standalone host of a datacenter's host folder
   * (AddStandaloneHost_Task). vCenter checks the host's certificate: an unknown thumbprint comes back as
   * SSLVerifyFault, is shown to confirmThumbprint, and the call is repeated with it once confirmed.
   */
  async addHost(target: { cluster: MoRef } | { folder: MoRef }, host: HostConnection): Promise<{ host: MoRef; thumbprint: string }> {
    const password = await reveal(host.password);
    this.transport.addSecret(password);
    const pinned = host.thumbprint ? normalizeThumbprint(host.thumbprint) : undefined;
    const attempt = async (thumbprint: string | undefined): Promise<MoRef> => {
      const spec = { hostName: host.hostName, sslThumbprint: thumbprint, userName: host.userName, password, force: false };
      const result =
        'cluster' in target
          ? await this.runTask('vim', 'AddHost_Task', target.cluster, { spec, asConnected: true }, { what: `Adding host ${host.hostName}` })
          : await this.runTask('vim', 'AddStandaloneHost_Task', target.folder, { spec, addConnected: true }, { what: `Adding host ${host.hostName}` });
      if (!result) throw new CwError('INVALID_OUTPUT', `vCenter at ${this.where} added ${host.hostName} but did not return the host.`);
      return result.asMoRef();
    };
    try {
      return { host: await attempt(pinned), thumbprint: pinned ?? '' };
    } catch (err) {
      const fault = (err as CwError).detail as { fault?: { type: string; fields: Record<string, string> } } | undefined;
      if (!(err instanceof CwError) || fault?.fault?.type !== 'SSLVerifyFault') throw err;
      const seen = normalizeThumbprint(fault.fault.fields.thumbprint ?? '');
      const detail = { kind: 'esxi-certificate', host: host.hostName, thumbprint: seen, pinned };
      if (pinned) {
        throw new CwError('HOST_KEY_CHANGED', `vCenter reports that ESXi host ${host.hostName} presents certificate thumbprint ${seen}, not the pinned ${pinned}. Nothing was added. If the host's certificate was renewed on purpose, pin the new thumbprint; otherwise treat it as an attack.`, detail);
      }
      if (!host.confirmThumbprint || !(await host.confirmThumbprint({ host: host.hostName, thumbprint: seen }))) {
        throw new CwError('HOST_KEY_UNKNOWN', `ESXi host ${host.hostName} presents a certificate not seen before (thumbprint ${seen}). Compare it with the host's console (F2 → View Support Information) and confirm it to add the host.`, detail);
      }
      return { host: await attempt(seen), thumbprint: seen };
    }
  }

  /**
   * Adds the witness host at datacenter level (standalone, in the datacenter's host folder). A cluster as
   * the target is refused with vSAN's own words: the witness must never be a member of the cluster.
   */
  async addWitnessHost(target: { datacenterHostFolder: MoRef } | { cluster: MoRef }, host: HostConnection): Promise<{ host: MoRef; thumbprint: string }> {
    if ('cluster' in target) {
      throw new CwError('INVALID_INPUT', `Witness host within vCenter cluster: ${host.hostName} would become a member of the cluster. The witness host must not be part of the vSAN cluster; add it to the datacenter outside any cluster.`, { host: host.hostName });
    }
    return this.addHost({ folder: target.datacenterHostFolder }, host);
  }

  async addPortGroup(networkSystem: MoRef, portgroup: { name: string; vswitchName: string; vlanId: number }): Promise<void> {
    await this.vim('AddPortGroup', networkSystem, { portgrp: { name: portgroup.name, vlanId: portgroup.vlanId, vswitchName: portgroup.vswitchName, policy: {} } });
  }

  /** Adds a VMkernel adapter with a static address; returns its device (vmkN). */
  async addVmkernelAdapter(networkSystem: MoRef, nic: { portgroup: string; ipAddress: string; subnetMask: string; mtu?: number }): Promise<string> {
    const res = await this.vim('AddVirtualNic', networkSystem, {
      portgroup: nic.portgroup,
      nic: { ip: { dhcp: false, ipAddress: nic.ipAddress, subnetMask: nic.subnetMask }, mtu: nic.mtu },
    });
    return res.text('returnval') ?? '';
  }

  /** Tags a VMkernel adapter for a service (`vsan`, `vmotion`, `vsanWitness`). */
  async selectVnicForNicType(virtualNicManager: MoRef, nicType: string, device: string): Promise<void> {
    await this.vim('SelectVnicForNicType', virtualNicManager, { nicType, device });
  }

  /** ReconfigureComputeResource_Task with a ClusterConfigSpecEx (modify: merge into what the cluster has). */
  async reconfigureCluster(cluster: MoRef, spec: DataObject, what = 'Reconfiguring the cluster'): Promise<void> {
    await this.runTask('vim', 'ReconfigureComputeResource_Task', cluster, { spec: { _type: 'ClusterConfigSpecEx', ...spec }, modify: true }, { what });
  }

  async enableVsan(cluster: MoRef): Promise<void> {
    await this.reconfigureCluster(cluster, { vsanConfig: { enabled: true, defaultConfig: { autoClaimStorage: false } } }, 'Turning on vSAN');
  }

  /** Claims one disk group (InitializeDiskMappings): disks as vCenter listed them for the host. */
  async initializeDiskMappings(host: MoRef, disks: { cache: Echo; capacity: Echo[]; creationType: 'allFlash' | 'hybrid' }): Promise<void> {
    await this.runTask('vsan', 'InitializeDiskMappings', VSAN.diskManagementSystem, { spec: { host, cacheDisks: [disks.cache], capacityDisks: disks.capacity, creationType: disks.creationType } }, { what: 'Claiming disks for vSAN' });
  }

  // ------------------------------------------------------------------------------------------
  // Stretched cluster

  /** The precheck vSAN offers: per host, connected and able to join a stretched cluster. */
  async stretchedClusterCapability(cluster: MoRef): Promise<{ hostMoId: string; connStatus: string; isSupported: boolean }[]> {
    const res = await this.vsan('VSANVcRetrieveStretchedClusterVcCapability', VSAN.stretchedClusterSystem, { cluster, verifyAllConnected: true });
    return res.all('returnval').map((r) => ({ hostMoId: r.text('hostMoId') ?? '', connStatus: r.text('connStatus') ?? '', isSupported: r.bool('isSupported') ?? false }));
  }

  async convertToStretchedCluster(
    cluster: MoRef,
    layout: { preferred: { name: string; hosts: MoRef[] }; secondary: { name: string; hosts: MoRef[] }; witness: MoRef; witnessDisks?: { cache: Echo; capacity: Echo[] } },
  ): Promise<void> {
    await this.runTask(
      'vsan',
      'VSANVcConvertToStretchedCluster',
      VSAN.stretchedClusterSystem,
      {
        cluster,
        faultDomainConfig: { firstFdName: layout.preferred.name, firstFdHosts: layout.preferred.hosts, secondFdName: layout.secondary.name, secondFdHosts: layout.secondary.hosts },
        witnessHost: layout.witness,
        preferredFd: layout.preferred.name,
        diskMapping: layout.witnessDisks ? { ssd: layout.witnessDisks.cache, nonSsd: layout.witnessDisks.capacity } : undefined,
      },
      { what: 'Converting to a stretched cluster' },
    );
  }

  async witnessHosts(cluster: MoRef): Promise<{ host?: MoRef; nodeUuid: string; preferredFdName: string; unicastAgentAddr: string }[]> {
    const res = await this.vsan('VSANVcGetWitnessHosts', VSAN.stretchedClusterSystem, { cluster });
    return res.all('returnval').map((w) => ({ host: w.moref('host'), nodeUuid: w.text('nodeUuid') ?? '', preferredFdName: w.text('preferredFdName') ?? '', unicastAgentAddr: w.text('unicastAgentAddr') ?? '' }));
  }

  /** The preferred fault domain vSAN keeps running on a split between the data sites (undefined: not stretched). */
  async preferredFaultDomain(cluster: MoRef): Promise<string | undefined> {
    const res = await this.vsan('VSANVcGetPreferredFaultDomain', VSAN.stretchedClusterSystem, { cluster });
    return res.child('returnval')?.text('preferredFaultDomainName') || undefined;
  }

  /** Day 2: makes `faultDomain` the preferred site (VSANVcSetPreferredFaultDomain, a task). */
  async setPreferredFaultDomain(cluster: MoRef, faultDomain: string, witness?: MoRef): Promise<void> {
    await this.runTask('vsan', 'VSANVcSetPreferredFaultDomain', VSAN.stretchedClusterSystem, { cluster, preferredFd: faultDomain, witnessHost: witness }, { what: `Making ${faultDomain} the preferred fault domain` });
  }

  /** Day 2: another host in the witness's place (VsanVcReplaceWitnessHostForClusters); the one replaced stays in the datacenter. */
  async replaceWitnessHost(cluster: MoRef, witness: MoRef, options: { preferredFd?: string; witnessDisks?: { cache: Echo; capacity: Echo[] } } = {}): Promise<void> {
    await this.runTask(
      'vsan',
      'VsanVcReplaceWitnessHostForClusters',
      VSAN.stretchedClusterSystem,
      {
        configSpec: {
          witnessHost: witness,
          clusters: [{ cluster, preferredFdName: options.preferredFd }],
          witnessDiskMappings: options.witnessDisks ? [{ ssd: options.witnessDisks.cache, nonSsd: options.witnessDisks.capacity }] : undefined,
        },
      },
      { what: 'Replacing the witness host' },
    );
  }

  /** Day 2: disables stretching (VSANVcRemoveWitnessHost); vSAN leaves the fault domains as they are. */
  async removeWitnessHost(cluster: MoRef, witness: MoRef): Promise<void> {
    await this.runTask('vsan', 'VSANVcRemoveWitnessHost', VSAN.stretchedClusterSystem, { cluster, witnessHost: witness }, { what: 'Removing the witness host (disabling the stretched cluster)' });
  }

  async isWitnessHost(host: MoRef): Promise<boolean> {
    return (await this.vsan('VSANVcIsWitnessHost', VSAN.stretchedClusterSystem, { host })).bool('returnval') ?? false;
  }

  /** The cluster health summary, computed now (not from vSAN's cache). */
  async healthSummary(cluster: MoRef): Promise<HealthSummary> {
    const res = await this.vsan('VsanQueryVcClusterHealthSummary', VSAN.clusterHealthSystem, { cluster, includeObjUuids: false, fetchFromCache: false });
    const rv = res.child('returnval');
    return {
      overallHealth: colour(rv?.text('overallHealth')),
      groups: (rv?.all('groups') ?? []).map((g) => ({
        id: g.text('groupId') ?? '',
        name: g.text('groupName') ?? '',
        health: colour(g.text('groupHealth')),
        tests: g.all('groupTests').map((t) => ({ id: t.text('testId') ?? '', name: t.text('testName') ?? '', health: colour(t.text('testHealth')) })),
      })),
    };
  }

  // ------------------------------------------------------------------------------------------
  // VMs

  /** Tasks vCenter still runs (queued or running) on `entity` whose description id is one of `descriptions` (VirtualMachine.relocate…). */
  async runningTasks(entity: MoRef, descriptions: readonly string[]): Promise<MoRef[]> {
    if (!this.content.taskManager) return [];
    const recent = (await this.properties(this.content.taskManager, ['recentTask'])).get('recentTask')?.all('ManagedObjectReference').map((t) => t.asMoRef()) ?? [];
    if (!recent.length) return [];
    const found = await this.retrieve([{ propSet: [{ type: 'Task', pathSet: ['info.entity', 'info.state', 'info.descriptionId'] }], objectSet: recent.map((obj) => ({ obj, skip: false })) }]);
    return found
      .filter((t) => {
        const on = t.props.get('info.entity');
        const state = t.props.get('info.state')?.text();
        return on?.textContent === entity.value && (state === 'running' || state === 'queued') && descriptions.includes(t.props.get('info.descriptionId')?.text() ?? '');
      })
      .map((t) => t.obj);
  }

  /** Starts RelocateVM_Task to another host (vMotion) and returns the task without waiting. */
  async startRelocate(vm: MoRef, target: { host: MoRef; pool?: MoRef; datastore?: MoRef }): Promise<MoRef> {
    return (await this.vim('RelocateVM_Task', vm, { spec: { datastore: target.datastore, pool: target.pool, host: target.host }, priority: 'defaultPriority' })).moref('returnval')!;
  }

  /** vMotion: RelocateVM_Task to another host (and pool), progress reported as vCenter updates the task. */
  async relocateVm(vm: MoRef, target: { host: MoRef; pool?: MoRef; datastore?: MoRef }, onProgress?: (p: TaskProgress) => void): Promise<void> {
    await this.runTask('vim', 'RelocateVM_Task', vm, { spec: { datastore: target.datastore, pool: target.pool, host: target.host }, priority: 'defaultPriority' }, { onProgress, what: `Moving VM ${vm.value}` });
  }
}
