#!/usr/bin/python3
# A third-party client of the lab's Proxmox API, as an admin's script would be written with Debian's python3-proxmoxer:
# logs in as PROXMOX_USER with PROXMOX_PASSWORD (from the environment, never the command line) at PROXMOX_HOST
# (host:port), checks the certificate against REQUESTS_CA_BUNDLE, and prints the nodes with their status, storages and
# tasks, storage.cfg and the HA status as JSON.
import json
import os
import sys

from proxmoxer import ProxmoxAPI


def main():
    api = ProxmoxAPI(os.environ['PROXMOX_HOST'], user=os.environ['PROXMOX_USER'], password=os.environ['PROXMOX_PASSWORD'], verify_ssl=True, timeout=30)
    out = {'version': api.version.get(), 'nodes': [], 'storage': api.storage.get(), 'ha': api.cluster.ha.status.current.get()}
    for entry in api.nodes.get():
        node = {'node': entry['node'], 'listed': entry}
        if entry['status'] == 'online':
            handle = api.nodes(entry['node'])
            node['status'] = handle.status.get()
            node['storage'] = handle.storage.get()
            node['tasks'] = handle.tasks.get(limit=100)
            node['qemu'] = handle.qemu.get()
        out['nodes'].append(node)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
