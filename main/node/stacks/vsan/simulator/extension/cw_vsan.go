// Clusterwright's vSAN management endpoint for the vCenter simulator (/vsanHealth, namespace urn:vsan,
// types from Debian's govmomi vsan packages): stretched cluster conversion and its precheck, witness
// hosts, preferred fault domain, disk claim, and a health summary computed from the simulated state.
// Day 2: the preferred fault domain set, the witness replaced, the witness removed (stretching disabled;
// the fault domains stay, as vSAN leaves them, and the objects report absent witness components).
package simulator

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	vsanmethods "github.com/vmware/govmomi/vsan/methods"
	vsantypes "github.com/vmware/govmomi/vsan/types"
)

// CwVsanVersion is the vSAN API version /sdk/vsanServiceVersions.xml announces.
const CwVsanVersion = "7.0.3"

type cwStretch struct {
	witness   types.ManagedObjectReference
	preferred string
}

var (
	cwStretchMu sync.Mutex
	cwStretches = map[types.ManagedObjectReference]*cwStretch{}
	// cwUnstretched: clusters whose witness was removed; their objects lack witness components until repaired.
	cwUnstretched = map[types.ManagedObjectReference]bool{}
)

func cwStretchOf(cluster types.ManagedObjectReference) *cwStretch {
	cwStretchMu.Lock()
	defer cwStretchMu.Unlock()
	return cwStretches[cluster]
}

func cwWitnessOf(host types.ManagedObjectReference) (types.ManagedObjectReference, bool) {
	cwStretchMu.Lock()
	defer cwStretchMu.Unlock()
	for cluster, s := range cwStretches {
		if s.witness == host {
			return cluster, true
		}
	}
	return types.ManagedObjectReference{}, false
}

// CwRegisterVsan serves the vSAN endpoint beside /sdk; call before Service.NewServer.
func CwRegisterVsan(s *Service) {
	r := NewRegistry()
	r.Namespace = "vsan"
	r.Path = "/vsanHealth"
	r.Put(&cwStretchedClusterSystem{types.ManagedObjectReference{Type: "VimClusterVsanVcStretchedClusterSystem", Value: "vsan-stretched-cluster-system"}})
	r.Put(&cwDiskManagementSystem{types.ManagedObjectReference{Type: "VimClusterVsanVcDiskManagementSystem", Value: "vsan-disk-management-system"}})
	r.Put(&cwClusterHealthSystem{types.ManagedObjectReference{Type: "VsanVcClusterHealthSystem", Value: "vsan-cluster-health-system"}})
	s.RegisterSDK(r)
	s.ServeMux.HandleFunc("/sdk/vsanServiceVersions.xml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vsan</name>
  <version>%s</version>
  <priorVersions><version>6.7</version><version>6.6</version></priorVersions>
 </namespace>
</namespaces>
`, CwVsanVersion)
	})
}

func cwCluster(ref types.ManagedObjectReference) (*ClusterComputeResource, *cwFault) {
	c, ok := Map.Get(ref).(*ClusterComputeResource)
	if !ok {
		return nil, failWith(&types.ManagedObjectNotFound{Obj: ref}, "The cluster %s does not exist.", ref.Value)
	}
	return c, nil
}

func cwVsanEnabled(c *ClusterComputeResource) bool {
	info := c.ConfigurationEx.(*types.ClusterConfigInfoEx).VsanConfigInfo
	return info != nil && info.Enabled != nil && *info.Enabled
}

// cwCheckWitness refuses what vSAN refuses as a witness: a host that is not there, not connected, a
// member of the cluster (vSAN's "Witness host within vCenter cluster"), a witness already, or without a vSAN VMkernel adapter.
func cwCheckWitness(c *ClusterComputeResource, ref types.ManagedObjectReference) (*HostSystem, *cwFault) {
	w, ok := Map.Get(ref).(*HostSystem)
	if !ok {
		return nil, failWith(&types.ManagedObjectNotFound{Obj: ref}, "The witness host %s does not exist.", ref.Value)
	}
	if FindReference(c.Host, ref) != nil {
		return nil, failWith(&types.VsanFault{}, "Witness host within vCenter cluster: %s is a member of cluster %s. The witness host must not be part of the vSAN cluster; add it to the datacenter outside any cluster.", w.Name, c.Name)
	}
	if _, inCluster := Map.Get(*w.Parent).(*ClusterComputeResource); inCluster {
		return nil, failWith(&types.VsanFault{}, "Witness host within vCenter cluster: %s is a member of another cluster. A witness host stands alone in the datacenter.", w.Name)
	}
	if other, ok := cwWitnessOf(ref); ok && other != c.Self {
		return nil, failWith(&types.InvalidState{}, "%s is already the witness host of cluster %s.", w.Name, Map.Get(other).(mo.Entity).Entity().Name)
	}
	if w.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
		return nil, failWith(&types.HostNotConnected{}, "The witness host %s is not connected.", w.Name)
	}
	if !cwHostServes(&w.HostSystem, "vsan") && !cwHostServes(&w.HostSystem, "vsanWitness") {
		return nil, failWith(&types.InvalidState{}, "The witness host %s has no VMkernel adapter tagged for vSAN traffic.", w.Name)
	}
	return w, nil
}

// cwAllConnected is the rule vSAN applies before it adds or removes a witness.
func cwAllConnected(c *ClusterComputeResource) *cwFault {
	for _, ref := range c.Host {
		if h := Map.Get(ref).(*HostSystem); h.Runtime.ConnectionState != types.HostSystemConnectionStateConnected {
			return failWith(&types.HostNotConnected{}, "Host %s of cluster %s is %s; a witness host cannot be added or removed while a host is disconnected or not responding.", h.Name, c.Name, h.Runtime.ConnectionState)
		}
	}
	return nil
}

func cwSetWitness(c *ClusterComputeResource, w *HostSystem, preferred string, disks *types.VsanHostDiskMapping) *cwFault {
	if disks != nil {
		if f := cwClaim(w, []types.HostScsiDisk{disks.Ssd}, disks.NonSsd, "allFlash"); f != nil {
			return f
		}
	}
	Map.WithLock(w, func() {
		w.Config.VsanHostConfig.Enabled = types.NewBool(true)
		w.Config.VsanHostConfig.ClusterInfo.Uuid = c.ConfigurationEx.(*types.ClusterConfigInfoEx).VsanConfigInfo.DefaultConfig.Uuid
		cwSyncVsanSystem(&w.HostSystem)
	})
	cwStretchMu.Lock()
	cwStretches[c.Self] = &cwStretch{witness: w.Self, preferred: preferred}
	delete(cwUnstretched, c.Self)
	cwStretchMu.Unlock()
	return nil
}

// cwReleaseWitness takes a witness host out of the cluster's vSAN: it stays in the datacenter, its
// disk group stays claimed (removing both is the admin's choice), it no longer serves the cluster.
func cwReleaseWitness(ref types.ManagedObjectReference) {
	w, ok := Map.Get(ref).(*HostSystem)
	if !ok {
		return
	}
	Map.WithLock(w, func() {
		w.Config.VsanHostConfig.Enabled = types.NewBool(false)
		w.Config.VsanHostConfig.ClusterInfo.Uuid = ""
		cwSyncVsanSystem(&w.HostSystem)
	})
}

// cwStretched is the cluster's stretch, or vSAN's fault when it has none.
func cwStretched(c *ClusterComputeResource) (*cwStretch, *cwFault) {
	st := cwStretchOf(c.Self)
	if st == nil {
		return nil, failWith(&types.InvalidState{}, "Cluster %s is not a stretched cluster (it has no witness host).", c.Name)
	}
	return st, nil
}

// cwFaultDomains names the fault domains the cluster's hosts are in.
func cwFaultDomains(c *ClusterComputeResource) map[string]bool {
	out := map[string]bool{}
	for _, ref := range c.Host {
		out[Map.Get(ref).(*HostSystem).Config.VsanHostConfig.FaultDomainInfo.Name] = true
	}
	return out
}

func (s *cwStretchedClusterSystem) VSANVcSetPreferredFaultDomain(req *vsantypes.VSANVcSetPreferredFaultDomain) soap.HasFault {
	task := cwTask(s, "setPreferredFaultDomain", 0, func() (types.AnyType, *cwFault) {
		c, f := cwCluster(req.Cluster)
		if f != nil {
			return nil, f
		}
		st, f := cwStretched(c)
		if f != nil {
			return nil, f
		}
		if req.WitnessHost != nil && *req.WitnessHost != st.witness {
			return nil, failWith(&types.InvalidArgument{InvalidProperty: "witnessHost"}, "%s is not the witness host of cluster %s.", req.WitnessHost.Value, c.Name)
		}
		if domains := cwFaultDomains(c); req.PreferredFd == "" || !domains[req.PreferredFd] {
			return nil, failWith(&types.InvalidArgument{InvalidProperty: "preferredFd"}, "Cluster %s has no fault domain %q.", c.Name, req.PreferredFd)
		}
		cwStretchMu.Lock()
		st.preferred = req.PreferredFd
		cwStretchMu.Unlock()
		return nil, nil
	})
	return &vsanmethods.VSANVcSetPreferredFaultDomainBody{Res: &vsantypes.VSANVcSetPreferredFaultDomainResponse{Returnval: task}}
}

func (s *cwStretchedClusterSystem) VSANVcGetPreferredFaultDomain(req *vsantypes.VSANVcGetPreferredFaultDomain) soap.HasFault {
	c, f := cwCluster(req.Cluster)
	if f != nil {
		return &vsanmethods.VSANVcGetPreferredFaultDomainBody{Fault_: f.soap()}
	}
	res := &vsantypes.VSANVcGetPreferredFaultDomainResponse{}
	if st := cwStretchOf(c.Self); st != nil {
		res.Returnval = &vsantypes.VimClusterVSANPreferredFaultDomainInfo{PreferredFaultDomainName: st.preferred}
	}
	return &vsanmethods.VSANVcGetPreferredFaultDomainBody{Res: res}
}

// VsanVcReplaceWitnessHostForClusters puts another host in the witness's place for each cluster of the
// spec; the host replaced leaves vSAN and stays in the datacenter.
func (s *cwStretchedClusterSystem) VsanVcReplaceWitnessHostForClusters(req *vsantypes.VsanVcReplaceWitnessHostForClusters) soap.HasFault {
	task := cwTask(s, "replaceWitnessHostForClusters", 0, func() (types.AnyType, *cwFault) {
		spec := req.ConfigSpec
		if len(spec.Clusters) == 0 {
			return nil, failWith(&types.InvalidArgument{InvalidProperty: "configSpec.clusters"}, "No cluster to replace the witness host of.")
		}
		var disks *types.VsanHostDiskMapping
		if len(spec.WitnessDiskMappings) > 0 {
			disks = &spec.WitnessDiskMappings[0]
		}
		for i, cc := range spec.Clusters {
			c, f := cwCluster(cc.Cluster)
			if f != nil {
				return nil, f
			}
			st, f := cwStretched(c)
			if f != nil {
				return nil, f
			}
			if st.witness == spec.WitnessHost {
				return nil, failWith(&types.InvalidArgument{InvalidProperty: "configSpec.witnessHost"}, "%s is already the witness host of cluster %s.", Map.Get(st.witness).(mo.Entity).Entity().Name, c.Name)
			}
			if f := cwAllConnected(c); f != nil {
				return nil, f
			}
			w, f := cwCheckWitness(c, spec.WitnessHost)
			if f != nil {
				return nil, f
			}
			preferred := st.preferred
			if cc.PreferredFdName != "" {
				if !cwFaultDomains(c)[cc.PreferredFdName] {
					return nil, failWith(&types.InvalidArgument{InvalidProperty: "configSpec.clusters.preferredFdName"}, "Cluster %s has no fault domain %q.", c.Name, cc.PreferredFdName)
				}
				preferred = cc.PreferredFdName
			}
			old := st.witness
			if i > 0 {
				disks = nil
			}
			if f := cwSetWitness(c, w, preferred, disks); f != nil {
				return nil, f
			}
			cwReleaseWitness(old)
		}
		return nil, nil
	})
	return &vsanmethods.VsanVcReplaceWitnessHostForClustersBody{Res: &vsantypes.VsanVcReplaceWitnessHostForClustersResponse{Returnval: task}}
}

// VSANVcRemoveWitnessHost disables stretching: the witness leaves the cluster's vSAN and stays in the
// datacenter; the hosts keep their fault domains (vSAN leaves them; the vSphere Client deletes them as a
// separate step); every object lacks its witness component until vSAN repairs it.
func (s *cwStretchedClusterSystem) VSANVcRemoveWitnessHost(req *vsantypes.VSANVcRemoveWitnessHost) soap.HasFault {
	task := cwTask(s, "removeWitnessHost", 0, func() (types.AnyType, *cwFault) {
		c, f := cwCluster(req.Cluster)
		if f != nil {
			return nil, f
		}
		st, f := cwStretched(c)
		if f != nil {
			return nil, f
		}
		if req.WitnessHost != nil && *req.WitnessHost != st.witness {
			return nil, failWith(&types.InvalidArgument{InvalidProperty: "witnessHost"}, "%s is not the witness host of cluster %s.", req.WitnessHost.Value, c.Name)
		}
		if f := cwAllConnected(c); f != nil {
			return nil, f
		}
		cwStretchMu.Lock()
		delete(cwStretches, c.Self)
		cwUnstretched[c.Self] = true
		cwStretchMu.Unlock()
		cwReleaseWitness(st.witness)
		return nil, nil
	})
	return &vsanmethods.VSANVcRemoveWitnessHostBody{Res: &vsantypes.VSANVcRemoveWitnessHostResponse{Returnval: task}}
}

type cwStretchedClusterSystem struct{ types.ManagedObjectReference }

func (s *cwStretchedClusterSystem) VSANVcConvertToStretchedCluster(req *vsantypes.VSANVcConvertToStretchedCluster) soap.HasFault {
	task := cwTask(s, "convertToStretchedCluster", 0, func() (types.AnyType, *cwFault) {
		c, f := cwCluster(req.Cluster)
		if f != nil {
			return nil, f
		}
		if !cwVsanEnabled(c) {
			return nil, failWith(&types.InvalidState{}, "vSAN is not enabled on cluster %s.", c.Name)
		}
		if st := cwStretchOf(c.Self); st != nil {
			return nil, failWith(&types.InvalidState{}, "Cluster %s is already a stretched cluster.", c.Name)
		}
		fd := req.FaultDomainConfig
		if fd.FirstFdName == "" || fd.SecondFdName == "" || fd.FirstFdName == fd.SecondFdName {
			return nil, failWith(&types.InvalidArgument{InvalidProperty: "faultDomainConfig"}, "A stretched cluster needs two fault domains with different, non-empty names (got %q and %q).", fd.FirstFdName, fd.SecondFdName)
		}
		if req.PreferredFd != fd.FirstFdName && req.PreferredFd != fd.SecondFdName {
			return nil, failWith(&types.InvalidArgument{InvalidProperty: "preferredFd"}, "The preferred fault domain %q is neither %q nor %q.", req.PreferredFd, fd.FirstFdName, fd.SecondFdName)
		}
		assigned := map[types.ManagedObjectReference]string{}
		for _, side := range []struct {
			name  string
			hosts []types.ManagedObjectReference
		}{{fd.FirstFdName, fd.FirstFdHosts}, {fd.SecondFdName, fd.SecondFdHosts}} {
			if len(side.hosts) == 0 {
				return nil, failWith(&types.InvalidArgument{InvalidProperty: "faultDomainConfig"}, "The fault domain %s has no hosts.", side.name)
			}
			for _, h := range side.hosts {
				if FindReference(c.Host, h) == nil {
					return nil, failWith(&types.InvalidArgument{InvalidProperty: "faultDomainConfig"}, "Host %s of fault domain %s is not a member of cluster %s.", h.Value, side.name, c.Name)
				}
				if assigned[h] != "" {
					return nil, failWith(&types.InvalidArgument{InvalidProperty: "faultDomainConfig"}, "Host %s is in both fault domains.", h.Value)
				}
				assigned[h] = side.name
			}
		}
		for _, h := range c.Host {
			if assigned[h] == "" {
				return nil, failWith(&types.InvalidArgument{InvalidProperty: "faultDomainConfig"}, "Host %s of cluster %s is in neither fault domain; every host of a stretched cluster belongs to one site.", Map.Get(h).(mo.Entity).Entity().Name, c.Name)
			}
		}
		if f := cwAllConnected(c); f != nil {
			return nil, f
		}
		w, f := cwCheckWitness(c, req.WitnessHost)
		if f != nil {
			return nil, f
		}
		if f := cwSetWitness(c, w, req.PreferredFd, req.DiskMapping); f != nil {
			return nil, f
		}
		for h, name := range assigned {
			host := Map.Get(h).(*HostSystem)
			Map.WithLock(host, func() {
				host.Config.VsanHostConfig.FaultDomainInfo.Name = name
				cwSyncVsanSystem(&host.HostSystem)
			})
		}
		return nil, nil
	})
	return &vsanmethods.VSANVcConvertToStretchedClusterBody{Res: &vsantypes.VSANVcConvertToStretchedClusterResponse{Returnval: task}}
}

func (s *cwStretchedClusterSystem) VSANVcRetrieveStretchedClusterVcCapability(req *vsantypes.VSANVcRetrieveStretchedClusterVcCapability) soap.HasFault {
	c, f := cwCluster(req.Cluster)
	if f != nil {
		return &vsanmethods.VSANVcRetrieveStretchedClusterVcCapabilityBody{Fault_: f.soap()}
	}
	var caps []vsantypes.VimClusterVSANStretchedClusterCapability
	for _, ref := range c.Host {
		h := Map.Get(ref).(*HostSystem)
		connected := h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected
		caps = append(caps, vsantypes.VimClusterVSANStretchedClusterCapability{
			HostMoId: ref.Value, ConnStatus: string(h.Runtime.ConnectionState), IsSupported: types.NewBool(connected),
			HostCapability: &vsantypes.VimHostVSANStretchedClusterHostCapability{FeatureVersion: "7.0"},
		})
	}
	return &vsanmethods.VSANVcRetrieveStretchedClusterVcCapabilityBody{Res: &vsantypes.VSANVcRetrieveStretchedClusterVcCapabilityResponse{Returnval: caps}}
}

func (s *cwStretchedClusterSystem) VSANVcGetWitnessHosts(req *vsantypes.VSANVcGetWitnessHosts) soap.HasFault {
	c, f := cwCluster(req.Cluster)
	if f != nil {
		return &vsanmethods.VSANVcGetWitnessHostsBody{Fault_: f.soap()}
	}
	var out []vsantypes.VimClusterVSANWitnessHostInfo
	if st := cwStretchOf(c.Self); st != nil {
		w := Map.Get(st.witness).(*HostSystem)
		info := vsantypes.VimClusterVSANWitnessHostInfo{NodeUuid: w.Config.VsanHostConfig.ClusterInfo.NodeUuid, PreferredFdName: st.preferred, Host: &st.witness, MetadataMode: types.NewBool(false)}
		for _, nic := range w.Config.Network.Vnic {
			for _, nc := range w.Config.VirtualNicManagerInfo.NetConfig {
				for _, k := range nc.SelectedVnic {
					if nc.NicType == "vsan" && k == "vsan."+nic.Key && nic.Spec.Ip != nil {
						info.UnicastAgentAddr = nic.Spec.Ip.IpAddress
					}
				}
			}
		}
		out = append(out, info)
	}
	return &vsanmethods.VSANVcGetWitnessHostsBody{Res: &vsantypes.VSANVcGetWitnessHostsResponse{Returnval: out}}
}

func (s *cwStretchedClusterSystem) VSANVcIsWitnessHost(req *vsantypes.VSANVcIsWitnessHost) soap.HasFault {
	if _, ok := Map.Get(req.Host).(*HostSystem); !ok {
		return &vsanmethods.VSANVcIsWitnessHostBody{Fault_: failWith(&types.ManagedObjectNotFound{Obj: req.Host}, "The host %s does not exist.", req.Host.Value).soap()}
	}
	_, ok := cwWitnessOf(req.Host)
	return &vsanmethods.VSANVcIsWitnessHostBody{Res: &vsantypes.VSANVcIsWitnessHostResponse{Returnval: ok}}
}

// cwClaim forms a disk group from devices of the host that are not claimed yet (OSA: one cache device
// and one to seven capacity devices; all-flash needs flash capacity devices, hybrid magnetic ones).
func cwClaim(h *HostSystem, cache, capacity []types.HostScsiDisk, creationType string) *cwFault {
	var fault *cwFault
	Map.WithLock(h, func() {
		if creationType != "allFlash" && creationType != "hybrid" {
			fault = failWith(&types.InvalidArgument{InvalidProperty: "creationType"}, "creationType %q is not allFlash or hybrid.", creationType)
			return
		}
		if len(cache) != 1 || len(capacity) < 1 || len(capacity) > 7 {
			fault = failWith(&types.InvalidArgument{InvalidProperty: "spec"}, "A disk group has one cache device and one to seven capacity devices (got %d and %d).", len(cache), len(capacity))
			return
		}
		claimed := map[string]bool{}
		for _, m := range h.Config.VsanHostConfig.StorageInfo.DiskMapping {
			claimed[m.Ssd.CanonicalName] = true
			for _, d := range m.NonSsd {
				claimed[d.CanonicalName] = true
			}
		}
		own := map[string]*types.HostScsiDisk{}
		for _, lun := range h.Config.StorageDevice.ScsiLun {
			if d, ok := lun.(*types.HostScsiDisk); ok {
				own[d.CanonicalName] = d
			}
		}
		var picked []types.HostScsiDisk
		for i, d := range append(append([]types.HostScsiDisk{}, cache...), capacity...) {
			mine, ok := own[d.CanonicalName]
			switch {
			case !ok:
				fault = failWith(&types.InvalidArgument{InvalidProperty: "spec"}, "Host %s has no device %s.", h.Name, d.CanonicalName)
			case claimed[d.CanonicalName]:
				fault = failWith(&types.InvalidState{}, "Device %s of host %s is already claimed by vSAN.", d.CanonicalName, h.Name)
			case cwDiskInUse(&h.HostSystem, d.CanonicalName):
				fault = failWith(&types.DiskHasPartitions{}, "Device %s of host %s has partitions (ESXi boot, diagnostic or VMFS); vSAN claims only empty devices.", d.CanonicalName, h.Name)
			case (i == 0 || creationType == "allFlash") && (mine.Ssd == nil || !*mine.Ssd):
				fault = failWith(&types.InvalidArgument{InvalidProperty: "spec"}, "Device %s of host %s is not a flash device.", d.CanonicalName, h.Name)
			case i > 0 && creationType == "hybrid" && mine.Ssd != nil && *mine.Ssd:
				fault = failWith(&types.InvalidArgument{InvalidProperty: "spec"}, "A hybrid disk group needs magnetic capacity devices; %s of host %s is flash.", d.CanonicalName, h.Name)
			}
			if fault != nil {
				return
			}
			claimed[d.CanonicalName] = true
			picked = append(picked, *mine)
		}
		storage := h.Config.VsanHostConfig.StorageInfo
		storage.DiskMapping = append(storage.DiskMapping, types.VsanHostDiskMapping{Ssd: picked[0], NonSsd: picked[1:]})
		cwSyncVsanSystem(&h.HostSystem)
	})
	return fault
}

type cwDiskManagementSystem struct{ types.ManagedObjectReference }

func (s *cwDiskManagementSystem) InitializeDiskMappings(req *vsantypes.InitializeDiskMappings) soap.HasFault {
	task := cwTask(s, "initializeDiskMappings", 0, func() (types.AnyType, *cwFault) {
		h, ok := Map.Get(req.Spec.Host).(*HostSystem)
		if !ok {
			return nil, failWith(&types.ManagedObjectNotFound{Obj: req.Spec.Host}, "The host %s does not exist.", req.Spec.Host.Value)
		}
		if c, inCluster := Map.Get(*h.Parent).(*ClusterComputeResource); inCluster && !cwVsanEnabled(c) {
			return nil, failWith(&types.InvalidState{}, "vSAN is not enabled on cluster %s of host %s.", c.Name, h.Name)
		}
		return nil, cwClaim(h, req.Spec.CacheDisks, req.Spec.CapacityDisks, req.Spec.CreationType)
	})
	return &vsanmethods.InitializeDiskMappingsBody{Res: &vsantypes.InitializeDiskMappingsResponse{Returnval: task}}
}

type cwClusterHealthSystem struct{ types.ManagedObjectReference }

// VsanQueryVcClusterHealthSummary computes the health tests it can from the simulated state: the
// stretched cluster group and the vSAN VMkernel adapter test. Nothing is measured (no site latency).
func (s *cwClusterHealthSystem) VsanQueryVcClusterHealthSummary(req *vsantypes.VsanQueryVcClusterHealthSummary) soap.HasFault {
	body := &vsanmethods.VsanQueryVcClusterHealthSummaryBody{}
	if req.Cluster == nil {
		body.Fault_ = Fault("A cluster is required.", &types.InvalidArgument{InvalidProperty: "cluster"})
		return body
	}
	c, f := cwCluster(*req.Cluster)
	if f != nil {
		body.Fault_ = f.soap()
		return body
	}
	if !cwVsanEnabled(c) {
		body.Fault_ = Fault(fmt.Sprintf("vSAN is not enabled on cluster %s.", c.Name), &types.InvalidState{})
		return body
	}
	rank := map[string]int{"green": 0, "yellow": 1, "red": 2}
	test := func(id, name string, ok bool, bad string) vsantypes.VsanClusterHealthTest {
		health := "green"
		if !ok {
			health = bad
		}
		return vsantypes.VsanClusterHealthTest{TestId: "com.vmware.vsan.health.test." + id, TestName: name, TestHealth: health}
	}
	group := func(id, name string, tests ...vsantypes.VsanClusterHealthTest) vsantypes.VsanClusterHealthGroup {
		health := "green"
		for _, t := range tests {
			if rank[t.TestHealth] > rank[health] {
				health = t.TestHealth
			}
		}
		return vsantypes.VsanClusterHealthGroup{GroupId: "com.vmware.vsan.health.test." + id, GroupName: name, GroupHealth: health, GroupTests: tests}
	}
	vmknics := true
	connected := true
	domains := map[string]bool{}
	for _, ref := range c.Host {
		h := Map.Get(ref).(*HostSystem)
		vmknics = vmknics && cwHostServes(&h.HostSystem, "vsan")
		connected = connected && h.Runtime.ConnectionState == types.HostSystemConnectionStateConnected
		domains[h.Config.VsanHostConfig.FaultDomainInfo.Name] = true
	}
	groups := []vsantypes.VsanClusterHealthGroup{group("network", "Network",
		test("hostdisconnected", "Hosts disconnected from VC", connected, "red"),
		test("vsanvmknic", "All hosts have a vSAN vmknic configured", vmknics, "red"))}
	cwStretchMu.Lock()
	unstretched := cwUnstretched[c.Self]
	cwStretchMu.Unlock()
	if unstretched {
		groups = append(groups, group("data", "Data",
			test("objecthealth", "vSAN object health (witness components absent since the witness host was removed: repair the objects)", false, "yellow")))
	}
	if st := cwStretchOf(c.Self); st != nil {
		witness := Map.Get(st.witness).(*HostSystem)
		witnessDisks := witness != nil && len(witness.Config.VsanHostConfig.StorageInfo.DiskMapping) > 0
		groups = append(groups, group("stretchedcluster", "Stretched cluster",
			test("clusterwithouttwodatafaultdomains", "Unexpected number of fault domains", len(domains) == 2 && !domains[""], "red"),
			test("clusterwithoutonewitnesshost", "Witness host not found", witness != nil, "red"),
			test("witnessinsidevccluster", "Witness host within vCenter cluster", witness == nil || FindReference(c.Host, witness.Self) == nil, "red"),
			test("witnesspreferredfaultdomainnotexist", "Preferred fault domain unset", st != nil && st.preferred != "", "red"),
			test("witnesspreferredfaultdomaininvalid", "Invalid preferred fault domain on witness host", st == nil || domains[st.preferred], "red"),
			test("witnesswithnodiskmapping", "No disk claimed on witness host", witnessDisks, "red"),
			test("hostwithnostretchedclustersupport", "Unsupported host version", true, "red"),
		))
	}
	overall := "green"
	for _, g := range groups {
		if rank[g.GroupHealth] > rank[overall] {
			overall = g.GroupHealth
		}
	}
	body.Res = &vsantypes.VsanQueryVcClusterHealthSummaryResponse{Returnval: vsantypes.VsanClusterHealthSummary{
		Groups: groups, OverallHealth: overall, OverallHealthDescription: fmt.Sprintf("Computed by the simulator from cluster %s's configuration.", c.Name), Cluster: &c.Self,
	}}
	return body
}
