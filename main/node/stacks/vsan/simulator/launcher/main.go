// The vCenter simulator command Clusterwright's lab runs (Debian ships govmomi's simulator package but not
// its vcsim command): a vCenter model with Clusterwright's vSAN extension, on a loopback address only,
// with a certificate made at start. It prints one JSON line (URL, certificate SHA-256, pid) and serves
// until SIGINT/SIGTERM or until its standard input closes (so it never outlives the process that started it).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "cw-vcsim: "+format+"\n", args...)
	os.Exit(2)
}

// secret reads a required value from the environment and removes it there (never from argv, which ps shows).
func secret(name string, required bool) string {
	v := os.Getenv(name)
	os.Unsetenv(name)
	if required && v == "" {
		fail("%s must be set (the vCenter login the simulator accepts).", name)
	}
	return v
}

func certificate() (tls.Certificate, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail("key: %s", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "vcsim.clusterwright.invalid", Organization: []string{"Clusterwright lab vCenter simulator"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		fail("certificate: %s", err)
	}
	sum := sha256.Sum256(der)
	hex := make([]string, len(sum))
	for i, b := range sum {
		hex[i] = fmt.Sprintf("%02X", b)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, strings.Join(hex, ":")
}

func main() {
	listen := flag.String("l", "127.0.0.1:0", "loopback address:port to listen on (port 0: any free port)")
	datacenters := flag.Int("dc", 1, "datacenters")
	clusters := flag.Int("cluster", 0, "clusters per datacenter the model starts with")
	clusterHosts := flag.Int("cluster-host", 0, "hosts per starting cluster")
	standalone := flag.Int("standalone-host", 0, "standalone hosts per datacenter the model starts with")
	vms := flag.Int("vm", 0, "VMs per host or cluster the model starts with")
	migration := flag.Duration("vmotion-time", time.Second, "how long a vMotion takes")
	flag.Parse()

	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fail("-l %q: the simulator listens on a loopback address only (127.0.0.0/8 or ::1).", *listen)
	}
	username := secret("CW_VCSIM_USERNAME", true)
	password := secret("CW_VCSIM_PASSWORD", true)
	simulator.CwHostRootPassword = secret("CW_VCSIM_HOST_PASSWORD", false)
	simulator.CwMigrationTime = *migration

	dir, err := os.MkdirTemp("", "cw-vcsim-")
	if err != nil {
		fail("temporary folder: %s", err)
	}
	defer os.RemoveAll(dir)
	simulator.CwDatastoreDir = dir

	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Cluster = *clusters
	model.ClusterHost = *clusterHosts
	model.Host = *standalone
	model.Machine = *vms
	if err := model.Create(); err != nil {
		fail("model: %s", err)
	}
	defer model.Remove()
	simulator.CwPrepareInventory()

	cert, thumbprint := certificate()
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(username, password)}
	simulator.CwRegisterVsan(model.Service)
	server := model.Service.NewServer()
	defer server.Close()

	addr := server.Listener.Addr().String()
	line, _ := json.Marshal(map[string]interface{}{
		"url":         (&url.URL{Scheme: "https", Host: addr, Path: "/sdk"}).String(),
		"address":     addr,
		"thumbprint":  thumbprint,
		"pid":         os.Getpid(),
		"vsanVersion": simulator.CwVsanVersion,
	})
	fmt.Println(string(line))

	done := make(chan os.Signal, 1)
	signal.Notify(done, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- syscall.SIGTERM
	}()
	<-done
}
