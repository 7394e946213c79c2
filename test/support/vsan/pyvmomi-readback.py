#!/usr/bin/python3
# A second opinion on what Clusterwright's vSAN client built: Debian's python3-pyvmomi (VMware's own
# Python SDK, written by nobody here) reads the cluster back and prints it as JSON for the tests.
#
#   read <cluster>                               cluster, hosts, HA/DRS/vSAN config, groups, rules, VMs
#   create-vm <cluster> <host> <vm> <datastore>  a small powered-on VM on that host (test workload)
#
# Connection from the environment (never argv): CW_VSPHERE_ADDRESS (host:port), CW_VSPHERE_USER,
# CW_VSPHERE_PASSWORD, CW_VSPHERE_THUMBPRINT (SHA-256 of vCenter's certificate, checked before login).
import hashlib
import json
import os
import socket
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim


def connect():
    host, port = os.environ['CW_VSPHERE_ADDRESS'].rsplit(':', 1)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with context.wrap_socket(raw) as tls:
            seen = hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest().upper()
    pinned = os.environ['CW_VSPHERE_THUMBPRINT'].replace(':', '').upper()
    if seen != pinned:
        sys.exit('vCenter at %s:%s presented certificate %s, not the pinned %s' % (host, port, seen, pinned))
    password = os.environ.pop('CW_VSPHERE_PASSWORD')
    return SmartConnect(host=host, port=int(port), user=os.environ['CW_VSPHERE_USER'], pwd=password, sslContext=context)


def find(si, kind, name):
    view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [kind], True)
    try:
        for obj in view.view:
            if obj.name == name:
                return obj
    finally:
        view.Destroy()
    sys.exit('no %s named %s' % (kind.__name__, name))


def vmknics(host):
    services = {}
    for nc in host.config.virtualNicManagerInfo.netConfig:
        for key in nc.selectedVnic or []:
            device = key.rsplit('-', 1)[-1]
            services.setdefault(device, []).append(nc.nicType)
    return [{
        'device': nic.device,
        'portgroup': nic.portgroup,
        'ip': nic.spec.ip.ipAddress if nic.spec.ip else None,
        'mtu': nic.spec.mtu,
        'services': sorted(services.get(nic.device, [])),
    } for nic in host.config.network.vnic]


def host_info(host):
    vsan = host.config.vsanHostConfig
    return {
        'name': host.name,
        'moref': host._moId,
        'connectionState': host.runtime.connectionState,
        'parent': host.parent.name,
        'parentType': type(host.parent).__name__,
        'vsanEnabled': bool(vsan.enabled),
        'vsanClusterUuid': vsan.clusterInfo.uuid if vsan.clusterInfo else None,
        'faultDomain': vsan.faultDomainInfo.name if vsan.faultDomainInfo else '',
        'vmknics': vmknics(host),
        'diskMappings': [{'cache': m.ssd.canonicalName, 'capacity': [d.canonicalName for d in m.nonSsd]} for m in (vsan.storageInfo.diskMapping or [])],
        'datastores': sorted(ds.name for ds in host.datastore),
        'vms': sorted(vm.name for vm in host.vm),
    }


def read(si, cluster_name):
    cluster = find(si, vim.ClusterComputeResource, cluster_name)
    cfg = cluster.configurationEx
    das = cfg.dasConfig
    policy = das.admissionControlPolicy
    policy_info = None
    if policy is not None:
        policy_info = {'type': type(policy).__name__.split('.')[-1]}
        if isinstance(policy, vim.cluster.FailoverResourcesAdmissionControlPolicy):
            policy_info.update(cpu=policy.cpuFailoverResourcesPercent, memory=policy.memoryFailoverResourcesPercent)
    groups = []
    for g in cfg.group or []:
        entry = {'type': type(g).__name__.split('.')[-1], 'name': g.name}
        if isinstance(g, vim.cluster.HostGroup):
            entry['hosts'] = sorted(h.name for h in g.host or [])
        else:
            entry['vms'] = sorted(v.name for v in g.vm or [])
        groups.append(entry)
    rules = [{
        'type': type(r).__name__.split('.')[-1], 'name': r.name, 'enabled': bool(r.enabled), 'mandatory': bool(r.mandatory),
        'vmGroup': getattr(r, 'vmGroupName', None), 'affineHostGroup': getattr(r, 'affineHostGroupName', None),
    } for r in cfg.rule or []]
    datacenter = cluster.parent
    while not isinstance(datacenter, vim.Datacenter):
        datacenter = datacenter.parent
    standalone = [host_info(h) for cr in datacenter.hostFolder.childEntity if type(cr) is vim.ComputeResource for h in cr.host]
    return {
        'cluster': {
            'name': cluster.name,
            'moref': cluster._moId,
            'hosts': [host_info(h) for h in cluster.host],
            'ha': {
                'enabled': bool(das.enabled), 'hostMonitoring': das.hostMonitoring, 'admissionControlEnabled': bool(das.admissionControlEnabled),
                'admissionControlPolicy': policy_info, 'options': {o.key: o.value for o in das.option or []},
                'heartbeatDatastorePolicy': das.hBDatastoreCandidatePolicy,
                'isolationResponse': das.defaultVmSettings.isolationResponse if das.defaultVmSettings else None,
            },
            'drs': {'enabled': bool(cfg.drsConfig.enabled), 'defaultVmBehavior': cfg.drsConfig.defaultVmBehavior},
            'vsan': {'enabled': bool(cfg.vsanConfigInfo and cfg.vsanConfigInfo.enabled)},
            'vsanUuid': cfg.vsanConfigInfo.defaultConfig.uuid if cfg.vsanConfigInfo and cfg.vsanConfigInfo.defaultConfig else None,
            'groups': groups,
            'rules': rules,
            'datastores': sorted(ds.name for ds in cluster.datastore),
        },
        'standaloneHosts': standalone,
    }


def create_vm(si, cluster_name, host_name, vm_name, datastore):
    cluster = find(si, vim.ClusterComputeResource, cluster_name)
    host = next(h for h in cluster.host if h.name == host_name)
    datacenter = cluster.parent
    while not isinstance(datacenter, vim.Datacenter):
        datacenter = datacenter.parent
    spec = vim.vm.ConfigSpec(name=vm_name, memoryMB=512, numCPUs=1, guestId='otherGuest64', files=vim.vm.FileInfo(vmPathName='[%s]' % datastore))
    task = datacenter.vmFolder.CreateVM_Task(config=spec, pool=cluster.resourcePool, host=host)
    WaitForTask(task)
    vm = task.info.result
    WaitForTask(vm.PowerOnVM_Task())
    return {'vm': vm._moId, 'host': vm.runtime.host.name, 'powerState': vm.runtime.powerState}


def main():
    si = connect()
    try:
        if sys.argv[1] == 'read':
            out = read(si, sys.argv[2])
        elif sys.argv[1] == 'create-vm':
            out = create_vm(si, *sys.argv[2:6])
        else:
            sys.exit('unknown command %s' % sys.argv[1])
        print(json.dumps(out, sort_keys=True))
    finally:
        Disconnect(si)


if __name__ == '__main__':
    main()
