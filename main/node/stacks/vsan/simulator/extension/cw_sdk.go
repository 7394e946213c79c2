// Clusterwright's additions to the vCenter simulator's /sdk endpoint: what vCenter does for a vSAN
// stretched cluster and Debian's govmomi 0.24.2 simulator does not. Compiled into the simulator package
// with `go build -overlay`; stock methods renamed at build time (cwStock…) are called for what they do.
package simulator

import (
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var (
	// CwHostRootPassword, when set, is the only root password the simulated ESXi hosts accept.
	CwHostRootPassword string
	// CwMigrationTime is how long a vMotion runs; its task reports progress in tenths meanwhile.
	CwMigrationTime = time.Second
	// CwDatastoreDir holds the files of the vsanDatastore of each vSAN cluster.
	CwDatastoreDir string
)

// cwFault is a fault with the message vCenter would show for it.
type cwFault struct {
	fault types.BaseMethodFault
	msg   string
}

func failWith(fault types.BaseMethodFault, format string, args ...interface{}) *cwFault {
	return &cwFault{fault, fmt.Sprintf(format, args...)}
}

func (f *cwFault) soap() *soap.Fault { return Fault(f.msg, f.fault) }

// cwTask runs fn as a task on obj. With a duration the task is returned at once and runs in the
// background, info.progress rising in tenths, as a vMotion does; fn then runs at the end under obj's lock.
func cwTask(obj mo.Reference, name string, duration time.Duration, fn func() (types.AnyType, *cwFault)) types.ManagedObjectReference {
	task := CreateTask(obj, name, nil)
	update := func(changes ...types.PropertyChange) { Map.WithLock(task, func() { Map.Update(task, changes) }) }
	update(types.PropertyChange{Name: "info.startTime", Val: time.Now()}, types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateRunning})
	finish := func(res types.AnyType, f *cwFault) {
		if f != nil {
			update(types.PropertyChange{Name: "info.completeTime", Val: time.Now()}, types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateError},
				types.PropertyChange{Name: "info.error", Val: types.LocalizedMethodFault{Fault: f.fault, LocalizedMessage: f.msg}})
			return
		}
		update(types.PropertyChange{Name: "info.completeTime", Val: time.Now()}, types.PropertyChange{Name: "info.progress", Val: int32(100)},
			types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateSuccess}, types.PropertyChange{Name: "info.result", Val: res})
	}
	if duration <= 0 {
		finish(fn())
		return task.Self
	}
	go func() {
		for i := int32(1); i < 10; i++ {
			time.Sleep(duration / 10)
			update(types.PropertyChange{Name: "info.progress", Val: i * 10})
		}
		time.Sleep(duration / 10)
		var res types.AnyType
		var f *cwFault
		Map.WithLock(obj, func() { res, f = fn() })
		finish(res, f)
	}()
	return task.Self
}

// DisconnectHostTask and ReconnectHostTask: vCenter stops managing the host (runtime.connectionState
// disconnected, as after "Disconnect" in the client or a host it lost) and takes it back. The stock
// simulator has neither; vSAN's health reports a disconnected member (Network: Hosts disconnected from VC).
func (h *HostSystem) DisconnectHostTask(ctx *Context, req *types.DisconnectHost_Task) soap.HasFault {
	ref := cwTask(h, "disconnect", 0, func() (types.AnyType, *cwFault) {
		h.Runtime.ConnectionState = types.HostSystemConnectionStateDisconnected
		return nil, nil
	})
	return &methods.DisconnectHost_TaskBody{Res: &types.DisconnectHost_TaskResponse{Returnval: ref}}
}

func (h *HostSystem) ReconnectHostTask(ctx *Context, req *types.ReconnectHost_Task) soap.HasFault {
	ref := cwTask(h, "reconnect", 0, func() (types.AnyType, *cwFault) {
		h.Runtime.ConnectionState = types.HostSystemConnectionStateConnected
		return nil, nil
	})
	return &methods.ReconnectHost_TaskBody{Res: &types.ReconnectHost_TaskResponse{Returnval: ref}}
}

// ---------------------------------------------------------------------------------------------
// Hosts: certificate thumbprint, root login, the vSAN disks and VMkernel adapter manager each has.

// cwHostThumbprint is the SHA-1 thumbprint of a simulated ESXi host's certificate, stable per host
// name, in the form vCenter reports in SSLVerifyFault and expects back in HostConnectSpec.sslThumbprint.
func cwHostThumbprint(name string) string {
	sum := sha1.Sum([]byte("clusterwright-simulated-esxi/" + strings.ToLower(name)))
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// cwCheckHostConnect does what vCenter does before it adds a host: one host per name, the TLS
// certificate checked against the thumbprint (SSLVerifyFault carries the one seen), then root's login.
func cwCheckHostConnect(spec types.HostConnectSpec) *cwFault {
	for _, e := range Map.All("HostSystem") {
		if strings.EqualFold(e.Entity().Name, spec.HostName) {
			return failWith(&types.AlreadyConnected{Name: spec.HostName}, "The host %s is already managed by this vCenter Server.", spec.HostName)
		}
	}
	if want := cwHostThumbprint(spec.HostName); !strings.EqualFold(spec.SslThumbprint, want) {
		return failWith(&types.SSLVerifyFault{SelfSigned: true, Thumbprint: want}, "Authenticity of the host's SSL certificate is not verified.")
	}
	if spec.UserName == "" || spec.Password == "" || (CwHostRootPassword != "" && (spec.UserName != "root" || spec.Password != CwHostRootPassword)) {
		return failWith(&types.InvalidLogin{}, "Cannot complete login due to an incorrect user name or password.")
	}
	return nil
}

func (c *ClusterComputeResource) AddHostTask(ctx *Context, add *types.AddHost_Task) soap.HasFault {
	if f := cwCheckHostConnect(add.Spec); f != nil {
		return &methods.AddHost_TaskBody{Res: &types.AddHost_TaskResponse{Returnval: cwTask(c, "addHost", 0, func() (types.AnyType, *cwFault) { return nil, f })}}
	}
	body := c.cwStockAddHostTask(add).(*methods.AddHost_TaskBody)
	if host, ok := cwTaskResult(body.Res.Returnval).(*HostSystem); ok {
		cwPrepareHost(ctx, host)
	}
	return body
}

func (f *Folder) AddStandaloneHostTask(ctx *Context, add *types.AddStandaloneHost_Task) soap.HasFault {
	if fault := cwCheckHostConnect(add.Spec); fault != nil {
		return &methods.AddStandaloneHost_TaskBody{Res: &types.AddStandaloneHost_TaskResponse{Returnval: cwTask(f, "addStandaloneHost", 0, func() (types.AnyType, *cwFault) { return nil, fault })}}
	}
	body := f.cwStockAddStandaloneHostTask(ctx, add).(*methods.AddStandaloneHost_TaskBody)
	if body.Res != nil {
		if host, ok := cwTaskResult(body.Res.Returnval).(*HostSystem); ok {
			cwPrepareHost(ctx, host)
		}
	}
	return body
}

func cwTaskResult(ref types.ManagedObjectReference) mo.Reference {
	task, ok := Map.Get(ref).(*Task)
	if !ok || task.Info.State != types.TaskInfoStateSuccess {
		return nil
	}
	if res, ok := task.Info.Result.(types.ManagedObjectReference); ok {
		return Map.Get(res)
	}
	return nil
}

// CwPrepareInventory gives the hosts the model created what cwPrepareHost gives added ones.
func CwPrepareInventory() {
	ctx := &Context{}
	for _, e := range Map.All("HostSystem") {
		cwPrepareHost(ctx, e.(*HostSystem))
	}
}

// cwPrepareHost gives a host a VMkernel adapter manager and a vSAN system of its own, three flash devices
// for vSAN (a cache device and two capacity devices) and its vSAN identity; in a vSAN cluster it mounts the vsanDatastore.
func cwPrepareHost(ctx *Context, h *HostSystem) {
	Map.WithLock(h, func() {
		m := &HostVirtualNicManager{Host: &h.HostSystem}
		ref := Map.Put(m).Reference()
		h.ConfigManager.VirtualNicManager = &ref
		m.sync()
		vs := &HostVsanSystem{Host: &h.HostSystem}
		vsRef := Map.Put(vs).Reference()
		h.ConfigManager.VsanSystem = &vsRef
		vsan := h.Config.VsanHostConfig
		vsan.HostSystem = &h.Self
		vsan.ClusterInfo.NodeUuid = newUUID("vsan-node/" + h.Name)
		defer cwSyncVsanSystem(&h.HostSystem)
		sizes := []struct {
			model string
			gb    int64
		}{{"CW Cache NVMe", 400}, {"CW Capacity SSD", 1920}, {"CW Capacity SSD", 1920}}
		for i, d := range sizes {
			id := sha1.Sum([]byte(fmt.Sprintf("%s/disk%d", h.Name, i)))
			name := fmt.Sprintf("naa.6%x", id[:15])
			disk := &types.HostScsiDisk{
				ScsiLun: types.ScsiLun{
					HostDevice:       types.HostDevice{DeviceName: "/vmfs/devices/disks/" + name, DeviceType: "disk"},
					Key:              "key-vim.host.ScsiDisk-" + name,
					Uuid:             fmt.Sprintf("0200%x", id[:12]),
					CanonicalName:    name,
					DisplayName:      fmt.Sprintf("Local %s (%s)", d.model, name),
					LunType:          "disk",
					Vendor:           "CW",
					Model:            d.model,
					OperationalState: []string{"ok"},
				},
				Capacity:   types.HostDiskDimensionsLba{BlockSize: 512, Block: d.gb * 1000 * 1000 * 1000 / 512},
				DevicePath: "/vmfs/devices/disks/" + name,
				Ssd:        types.NewBool(true),
				LocalDisk:  types.NewBool(true),
			}
			h.Config.StorageDevice.ScsiLun = append(h.Config.StorageDevice.ScsiLun, disk)
		}
	})
	if c, ok := Map.Get(*h.Parent).(*ClusterComputeResource); ok {
		if info := c.ConfigurationEx.(*types.ClusterConfigInfoEx).VsanConfigInfo; info != nil && info.Enabled != nil && *info.Enabled {
			Map.WithLock(c, func() { cwJoinVsan(ctx, c, h) })
		}
	}
}

// cwJoinVsan enables vSAN on a member host and mounts the cluster's vsanDatastore (caller holds c's lock).
func cwJoinVsan(ctx *Context, c *ClusterComputeResource, h *HostSystem) {
	info := c.ConfigurationEx.(*types.ClusterConfigInfoEx).VsanConfigInfo
	Map.WithLock(h, func() {
		h.Config.VsanHostConfig.Enabled = types.NewBool(true)
		h.Config.VsanHostConfig.ClusterInfo.Uuid = info.DefaultConfig.Uuid
		cwSyncVsanSystem(&h.HostSystem)
	})
	ds := cwVsanDatastore(ctx, c)
	for _, m := range ds.Host {
		if m.Key == h.Self {
			return
		}
	}
	ds.Host = append(ds.Host, types.DatastoreHostMount{Key: h.Self, MountInfo: types.HostMountInfo{AccessMode: string(types.HostMountModeReadWrite), Mounted: types.NewBool(true), Accessible: types.NewBool(true)}})
	Map.AddReference(h, &h.Datastore, ds.Self)
}

// cwVsanDatastore is the cluster's vsanDatastore, created the first time a host joins (caller holds c's lock).
func cwVsanDatastore(ctx *Context, c *ClusterComputeResource) *Datastore {
	for _, ref := range c.Datastore {
		if ds, ok := Map.Get(ref).(*Datastore); ok && ds.Summary.Type == "vsan" {
			return ds
		}
	}
	dir := filepath.Join(CwDatastoreDir, c.Self.Value)
	_ = os.MkdirAll(dir, 0o700)
	ds := &Datastore{}
	ds.Name = "vsanDatastore"
	if others := len(Map.All("Datastore")); Map.FindByName(ds.Name, Map.getEntityFolder(c, "datastore").ChildEntity) != nil {
		ds.Name = fmt.Sprintf("vsanDatastore (%d)", others)
	}
	ds.Info = &types.VsanDatastoreInfo{DatastoreInfo: types.DatastoreInfo{Name: ds.Name, Url: dir}, MembershipUuid: c.ConfigurationEx.(*types.ClusterConfigInfoEx).VsanConfigInfo.DefaultConfig.Uuid}
	ds.Summary = types.DatastoreSummary{Name: ds.Name, Url: dir, Type: "vsan", Accessible: true, Capacity: 8 << 40, FreeSpace: 8 << 40, MaintenanceMode: string(types.DatastoreSummaryMaintenanceModeStateNormal)}
	ds.Capability = types.DatastoreCapability{DirectoryHierarchySupported: true, PerFileThinProvisioningSupported: true, TopLevelDirectoryCreateSupported: types.NewBool(true)}
	folderPutChild(ctx, Map.getEntityFolder(c, "datastore"), ds)
	ds.Summary.Datastore = &ds.Self
	browser := &HostDatastoreBrowser{}
	browser.Datastore = []types.ManagedObjectReference{ds.Self}
	ds.Browser = Map.Put(browser).Reference()
	c.Datastore = append(c.Datastore, ds.Self)
	return ds
}

// ---------------------------------------------------------------------------------------------
// Host networking: port groups shared by name across hosts, VMkernel adapters, and their services.

// AddPortGroup adds the port group to this host; a network of that name the datacenter already has
// (another host's port group) is joined rather than refused, as vCenter does.
func (s *HostNetworkSystem) AddPortGroup(ctx *Context, c *types.AddPortGroup) soap.HasFault {
	for _, pg := range s.NetworkInfo.Portgroup {
		if pg.Spec.Name == c.Portgrp.Name {
			return &methods.AddPortGroupBody{Fault_: Fault(fmt.Sprintf("A port group named %s already exists on this host.", c.Portgrp.Name), &types.AlreadyExists{Name: c.Portgrp.Name})}
		}
	}
	network, ok := Map.FindByName(c.Portgrp.Name, s.folder().ChildEntity).(*mo.Network)
	if !ok {
		return s.cwStockAddPortGroup(ctx, c)
	}
	for i := range s.NetworkInfo.Vswitch {
		if s.NetworkInfo.Vswitch[i].Name == c.Portgrp.VswitchName {
			s.NetworkInfo.Vswitch[i].Portgroup = append(s.NetworkInfo.Vswitch[i].Portgroup, c.Portgrp.Name)
			s.NetworkInfo.Portgroup = append(s.NetworkInfo.Portgroup, types.HostPortGroup{Key: "key-vim.host.PortGroup-" + c.Portgrp.Name, Spec: c.Portgrp})
			Map.AddReference(network, &network.Host, s.Host.Self)
			Map.AddReference(s.Host, &s.Host.Network, network.Self)
			return &methods.AddPortGroupBody{Res: &types.AddPortGroupResponse{}}
		}
	}
	return &methods.AddPortGroupBody{Fault_: Fault(fmt.Sprintf("The virtual switch %s does not exist on this host.", c.Portgrp.VswitchName), &types.NotFound{})}
}

// AddVirtualNic creates the next vmkN on a port group of this host; it becomes a candidate for every service.
func (s *HostNetworkSystem) AddVirtualNic(req *types.AddVirtualNic) soap.HasFault {
	body := &methods.AddVirtualNicBody{}
	found := false
	for _, pg := range s.NetworkInfo.Portgroup {
		found = found || pg.Spec.Name == req.Portgroup
	}
	if !found {
		body.Fault_ = Fault(fmt.Sprintf("The port group %s does not exist on host %s.", req.Portgroup, s.Host.Name), &types.NotFound{})
		return body
	}
	Map.WithLock(s.Host, func() {
		used := map[string]bool{}
		for _, nic := range s.Host.Config.Network.Vnic {
			used[nic.Device] = true
		}
		device := "vmk0"
		for i := 1; used[device]; i++ {
			device = fmt.Sprintf("vmk%d", i)
		}
		spec := req.Nic
		spec.Portgroup = req.Portgroup
		if spec.Mtu == 0 {
			spec.Mtu = 1500
		}
		if spec.NetStackInstanceKey == "" {
			spec.NetStackInstanceKey = "defaultTcpipStack"
		}
		nic := types.HostVirtualNic{Device: device, Key: "key-vim.host.VirtualNic-" + device, Portgroup: req.Portgroup, Spec: spec}
		s.Host.Config.Network.Vnic = append(s.Host.Config.Network.Vnic, nic)
		s.NetworkInfo.Vnic = s.Host.Config.Network.Vnic
		netConfig := s.Host.Config.VirtualNicManagerInfo.NetConfig
		for i := range netConfig {
			candidate := nic
			candidate.Key = netConfig[i].NicType + "." + nic.Key
			netConfig[i].CandidateVnic = append(netConfig[i].CandidateVnic, candidate)
		}
		if m, ok := Map.Get(*s.Host.ConfigManager.VirtualNicManager).(*HostVirtualNicManager); ok {
			m.sync()
		}
		body.Res = &types.AddVirtualNicResponse{Returnval: device}
	})
	return body
}

// HostVirtualNicManager selects the VMkernel adapters a host uses per service (vsan, vmotion, vsanWitness…).
type HostVirtualNicManager struct {
	mo.HostVirtualNicManager
	Host *mo.HostSystem
}

func (m *HostVirtualNicManager) sync() { m.Info = *m.Host.Config.VirtualNicManagerInfo }

func (m *HostVirtualNicManager) netConfig(nicType, device string) (*types.VirtualNicManagerNetConfig, string, *soap.Fault) {
	for i, nc := range m.Host.Config.VirtualNicManagerInfo.NetConfig {
		if nc.NicType != nicType {
			continue
		}
		for _, nic := range m.Host.Config.Network.Vnic {
			if nic.Device == device {
				return &m.Host.Config.VirtualNicManagerInfo.NetConfig[i], nicType + "." + nic.Key, nil
			}
		}
		return nil, "", Fault(fmt.Sprintf("Host %s has no VMkernel adapter %s.", m.Host.Name, device), &types.InvalidArgument{InvalidProperty: "device"})
	}
	return nil, "", Fault(fmt.Sprintf("%s is not a VMkernel service type.", nicType), &types.InvalidArgument{InvalidProperty: "nicType"})
}

func (m *HostVirtualNicManager) SelectVnicForNicType(req *types.SelectVnicForNicType) soap.HasFault {
	body := &methods.SelectVnicForNicTypeBody{}
	Map.WithLock(m.Host, func() {
		nc, key, fault := m.netConfig(req.NicType, req.Device)
		if fault != nil {
			body.Fault_ = fault
			return
		}
		selected := false
		for _, k := range nc.SelectedVnic {
			selected = selected || k == key
		}
		if !nc.MultiSelectAllowed {
			nc.SelectedVnic = nil
			selected = false
		}
		if !selected {
			nc.SelectedVnic = append(nc.SelectedVnic, key)
		}
		m.sync()
		body.Res = &types.SelectVnicForNicTypeResponse{}
	})
	return body
}

// cwHostServes reports whether a host has a VMkernel adapter selected for the service.
func cwHostServes(h *mo.HostSystem, nicType string) bool {
	for _, nc := range h.Config.VirtualNicManagerInfo.NetConfig {
		if nc.NicType == nicType && len(nc.SelectedVnic) > 0 {
			return true
		}
	}
	return false
}

// HostVsanSystem tells which of the host's devices vSAN may claim (QueryDisksForVsan) and shows its vSAN config.
type HostVsanSystem struct {
	mo.HostVsanSystem
	Host *mo.HostSystem
}

// cwDiskInUse names what a device already holds: a VMFS volume or the host's boot and diagnostic partitions.
func cwDiskInUse(h *mo.HostSystem, name string) bool {
	if p := h.Config.ActiveDiagnosticPartition; p != nil && p.Id.DiskName == name {
		return true
	}
	if fs := h.Config.FileSystemVolume; fs != nil {
		for _, m := range fs.MountInfo {
			if vmfs, ok := m.Volume.(*types.HostVmfsVolume); ok {
				for _, e := range vmfs.Extent {
					if e.DiskName == name {
						return true
					}
				}
			}
		}
	}
	return false
}

func (s *HostVsanSystem) QueryDisksForVsan(req *types.QueryDisksForVsan) soap.HasFault {
	var out []types.VsanHostDiskResult
	Map.WithLock(s.Host, func() {
		s.Config = *s.Host.Config.VsanHostConfig
		claimed := map[string]bool{}
		for _, m := range s.Config.StorageInfo.DiskMapping {
			claimed[m.Ssd.CanonicalName] = true
			for _, d := range m.NonSsd {
				claimed[d.CanonicalName] = true
			}
		}
		for _, lun := range s.Host.Config.StorageDevice.ScsiLun {
			d, ok := lun.(*types.HostScsiDisk)
			if !ok || (len(req.CanonicalName) > 0 && !cwContains(req.CanonicalName, d.CanonicalName)) {
				continue
			}
			r := types.VsanHostDiskResult{Disk: *d, State: "eligible"}
			switch {
			case claimed[d.CanonicalName]:
				r.State, r.VsanUuid = "inUse", newUUID("vsan-disk/"+d.CanonicalName)
			case cwDiskInUse(s.Host, d.CanonicalName):
				r.State = "ineligible"
				r.Error = &types.LocalizedMethodFault{Fault: &types.DiskHasPartitions{}, LocalizedMessage: "The device has partitions (it holds the ESXi boot, diagnostic or a VMFS volume)."}
			}
			out = append(out, r)
		}
	})
	return &methods.QueryDisksForVsanBody{Res: &types.QueryDisksForVsanResponse{Returnval: out}}
}

// cwSyncVsanSystem copies the host's vSAN configuration to its HostVsanSystem (caller holds the host's lock).
func cwSyncVsanSystem(h *mo.HostSystem) {
	if h.ConfigManager.VsanSystem != nil {
		if vs, ok := Map.Get(*h.ConfigManager.VsanSystem).(*HostVsanSystem); ok {
			vs.Config = *h.Config.VsanHostConfig
		}
	}
}

func cwContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------------
// Cluster settings: HA, DRS and vSAN applied (stock keeps only groups, rules and overrides), and
// groups and rules checked the way vCenter checks them.

func (c *ClusterComputeResource) ReconfigureComputeResourceTask(ctx *Context, req *types.ReconfigureComputeResource_Task) soap.HasFault {
	spec, ok := req.Spec.(*types.ClusterConfigSpecEx)
	if !ok {
		return c.cwStockReconfigureComputeResourceTask(req)
	}
	if f := c.cwCheckSpec(spec); f != nil {
		return &methods.ReconfigureComputeResource_TaskBody{Res: &types.ReconfigureComputeResource_TaskResponse{Returnval: cwTask(c, "reconfigureCluster", 0, func() (types.AnyType, *cwFault) { return nil, f })}}
	}
	body := c.cwStockReconfigureComputeResourceTask(req).(*methods.ReconfigureComputeResource_TaskBody)
	if task, ok := Map.Get(body.Res.Returnval).(*Task); ok && task.Info.State == types.TaskInfoStateSuccess {
		c.cwApplySettings(ctx, spec, req.Modify)
	}
	return body
}

func (c *ClusterComputeResource) cwCheckSpec(spec *types.ClusterConfigSpecEx) *cwFault {
	cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if das := spec.DasConfig; das != nil {
		if p, ok := das.AdmissionControlPolicy.(*types.ClusterFailoverResourcesAdmissionControlPolicy); ok {
			if p.CpuFailoverResourcesPercent < 0 || p.CpuFailoverResourcesPercent > 100 || p.MemoryFailoverResourcesPercent < 0 || p.MemoryFailoverResourcesPercent > 100 {
				return failWith(&types.InvalidArgument{InvalidProperty: "dasConfig.admissionControlPolicy"}, "The failover capacity must be a percentage between 0 and 100.")
			}
		}
		for _, o := range das.Option {
			if o.GetOptionValue().Key == "" {
				return failWith(&types.InvalidArgument{InvalidProperty: "dasConfig.option"}, "An HA advanced option has no name.")
			}
		}
	}
	if v := spec.VsanConfig; v != nil && v.Enabled != nil && !*v.Enabled && cwStretchOf(c.Self) != nil {
		return failWith(&types.InvalidState{}, "vSAN cannot be turned off on %s while it is a stretched cluster; remove the witness host first.", c.Name)
	}
	isHost := map[types.ManagedObjectReference]bool{}
	for _, h := range c.Host {
		isHost[h] = true
	}
	groups := map[string]string{}
	for _, g := range cfg.Group {
		groups[g.GetClusterGroupInfo().Name] = fmt.Sprintf("%T", g)
	}
	for _, gs := range spec.GroupSpec {
		if gs.Info == nil {
			continue
		}
		switch g := gs.Info.(type) {
		case *types.ClusterHostGroup:
			for _, h := range g.Host {
				if !isHost[h] {
					return failWith(&types.InvalidArgument{InvalidProperty: "groupSpec.info.host"}, "Host group %s names %s, which is not a host of cluster %s.", g.Name, h.Value, c.Name)
				}
			}
		case *types.ClusterVmGroup:
			for _, ref := range g.Vm {
				vm, ok := Map.Get(ref).(*VirtualMachine)
				if !ok || vm.Runtime.Host == nil || !isHost[*vm.Runtime.Host] {
					return failWith(&types.InvalidArgument{InvalidProperty: "groupSpec.info.vm"}, "VM group %s names %s, which is not a virtual machine of cluster %s.", g.Name, ref.Value, c.Name)
				}
			}
		}
		groups[gs.Info.GetClusterGroupInfo().Name] = fmt.Sprintf("%T", gs.Info)
	}
	for _, rs := range spec.RulesSpec {
		rule, ok := rs.Info.(*types.ClusterVmHostRuleInfo)
		if !ok {
			continue
		}
		if groups[rule.VmGroupName] != "*types.ClusterVmGroup" {
			return failWith(&types.InvalidArgument{InvalidProperty: "rulesSpec.info.vmGroupName"}, "Rule %s refers to VM group %s, which cluster %s does not have.", rule.Name, rule.VmGroupName, c.Name)
		}
		for _, hg := range []string{rule.AffineHostGroupName, rule.AntiAffineHostGroupName} {
			if hg != "" && groups[hg] != "*types.ClusterHostGroup" {
				return failWith(&types.InvalidArgument{InvalidProperty: "rulesSpec.info.affineHostGroupName"}, "Rule %s refers to host group %s, which cluster %s does not have.", rule.Name, hg, c.Name)
			}
		}
	}
	return nil
}

func cwMergeOptions(have []types.BaseOptionValue, set []types.BaseOptionValue) []types.BaseOptionValue {
	for _, o := range set {
		replaced := false
		for i := range have {
			if have[i].GetOptionValue().Key == o.GetOptionValue().Key {
				have[i], replaced = o, true
			}
		}
		if !replaced {
			have = append(have, o)
		}
	}
	return have
}

// cwMerge copies the fields src sets over dst, as vCenter merges a spec with modify=true; option lists merge by key.
func cwMerge(dst, src interface{}) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := 0; i < s.NumField(); i++ {
		if f := s.Field(i); !f.IsZero() {
			if set, ok := f.Interface().([]types.BaseOptionValue); ok {
				f = reflect.ValueOf(cwMergeOptions(d.Field(i).Interface().([]types.BaseOptionValue), set))
			}
			d.Field(i).Set(f)
		}
	}
}

func (c *ClusterComputeResource) cwApplySettings(ctx *Context, spec *types.ClusterConfigSpecEx, modify bool) {
	cfg := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if spec.DasConfig != nil {
		if !modify {
			cfg.DasConfig = types.ClusterDasConfigInfo{}
		}
		cwMerge(&cfg.DasConfig, spec.DasConfig)
	}
	if spec.DrsConfig != nil {
		if !modify {
			cfg.DrsConfig = types.ClusterDrsConfigInfo{}
		}
		cwMerge(&cfg.DrsConfig, spec.DrsConfig)
	}
	if v := spec.VsanConfig; v != nil {
		if cfg.VsanConfigInfo == nil {
			cfg.VsanConfigInfo = &types.VsanClusterConfigInfo{Enabled: types.NewBool(false)}
		}
		info := cfg.VsanConfigInfo
		cwMerge(info, v)
		if info.DefaultConfig == nil {
			info.DefaultConfig = &types.VsanClusterConfigInfoHostDefaultInfo{}
		}
		if *info.Enabled {
			info.DefaultConfig.Uuid = newUUID("vsan-cluster/" + c.Self.Value)
			for _, ref := range c.Host {
				cwJoinVsan(ctx, c, Map.Get(ref).(*HostSystem))
			}
		}
	}
}

// ---------------------------------------------------------------------------------------------
// vMotion: RelocateVM_Task with a host, and MigrateVM_Task, checked and run as vCenter runs them.

func (vm *VirtualMachine) RelocateVMTask(ctx *Context, req *types.RelocateVM_Task) soap.HasFault {
	if req.Spec.Host == nil {
		return vm.cwStockRelocateVMTask(ctx, req)
	}
	return &methods.RelocateVM_TaskBody{Res: &types.RelocateVM_TaskResponse{Returnval: vm.cwMigrate(*req.Spec.Host, req.Spec.Pool, req.Spec.Datastore, "relocateVm")}}
}

func (vm *VirtualMachine) MigrateVMTask(ctx *Context, req *types.MigrateVM_Task) soap.HasFault {
	if req.Host == nil {
		return &methods.MigrateVM_TaskBody{Fault_: Fault("MigrateVM_Task needs a target host.", &types.InvalidArgument{InvalidProperty: "host"})}
	}
	return &methods.MigrateVM_TaskBody{Res: &types.MigrateVM_TaskResponse{Returnval: vm.cwMigrate(*req.Host, req.Pool, nil, "migrateVm")}}
}

func (vm *VirtualMachine) cwMigrate(hostRef types.ManagedObjectReference, poolRef, dsRef *types.ManagedObjectReference, name string) types.ManagedObjectReference {
	fail := func(f *cwFault) types.ManagedObjectReference {
		return cwTask(vm, name, 0, func() (types.AnyType, *cwFault) { return nil, f })
	}
	target, ok := Map.Get(hostRef).(*HostSystem)
	if !ok {
		return fail(failWith(&types.ManagedObjectNotFound{Obj: hostRef}, "The host %s does not exist.", hostRef.Value))
	}
	source := Map.Get(*vm.Runtime.Host).(*HostSystem)
	if target.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
		return fail(failWith(&types.HostNotConnected{}, "The host %s is not connected.", target.Name))
	}
	if target.Runtime.InMaintenanceMode {
		return fail(failWith(&types.InvalidHostState{Host: &target.Self}, "The host %s is in maintenance mode.", target.Name))
	}
	pool := vm.ResourcePool
	if poolRef != nil {
		pool = poolRef
	}
	owner := Map.getEntityComputeResource(Map.Get(*pool).(mo.Entity))
	var members []types.ManagedObjectReference
	switch cr := owner.(type) {
	case *ClusterComputeResource:
		members = cr.Host
	case *mo.ComputeResource:
		members = cr.Host
	}
	if FindReference(members, hostRef) == nil {
		return fail(failWith(&types.InvalidArgument{InvalidProperty: "host"}, "The host %s is not part of the compute resource %s that owns the target resource pool.", target.Name, owner.Entity().Name))
	}
	datastores := vm.Datastore
	if dsRef != nil {
		datastores = []types.ManagedObjectReference{*dsRef}
	}
	for _, ds := range datastores {
		if FindReference(target.Datastore, ds) == nil {
			return fail(failWith(&types.InvalidArgument{InvalidProperty: "datastore"}, "The datastore %s is not accessible from host %s.", Map.Get(ds).(mo.Entity).Entity().Name, target.Name))
		}
	}
	if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn && hostRef != source.Self {
		for _, h := range []*HostSystem{source, target} {
			if !cwHostServes(&h.HostSystem, "vmotion") {
				return fail(failWith(&types.VMotionNotConfigured{VMotionInterfaceIssue: types.VMotionInterfaceIssue{AtSourceHost: h == source, FailedHost: h.Name}},
					"The vMotion interface is not configured (or is misconfigured) on host %s.", h.Name))
			}
		}
	}
	duration := CwMigrationTime
	if hostRef == source.Self {
		duration = 0
	}
	return cwTask(vm, name, duration, func() (types.AnyType, *cwFault) {
		if hostRef != source.Self {
			Map.RemoveReference(source, &source.Vm, vm.Self)
			Map.AddReference(target, &target.Vm, vm.Self)
		}
		newHost := hostRef
		changes := []types.PropertyChange{{Name: "runtime.host", Val: &newHost}, {Name: "summary.runtime.host", Val: &newHost}}
		if poolRef != nil && *poolRef != *vm.ResourcePool {
			old := Map.Get(*vm.ResourcePool).(*ResourcePool)
			Map.RemoveReference(old, &old.Vm, vm.Self)
			next := Map.Get(*poolRef).(*ResourcePool)
			Map.AddReference(next, &next.Vm, vm.Self)
			changes = append(changes, types.PropertyChange{Name: "resourcePool", Val: poolRef})
		}
		Map.Update(vm, changes)
		return nil, nil
	})
}
