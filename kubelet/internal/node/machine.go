package node

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// DetectMachine reads the machine's resources: CPUs, MemTotal, the size of
// the filesystem holding rootDir, kernel and OS names, and addresses
// (nodeIP, or the first global IPv4 of an up interface, plus the hostname).
func DetectMachine(name, rootDir, nodeIP string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), KubeletVersion: "v1.37.2-wharf", RuntimeVersion: "containerd://1.6"}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemoryBytes = kb * 1024
			}
		}
	}
	var st unix.Statfs_t
	if unix.Statfs(rootDir, &st) == nil {
		m.EphemeralBytes = int64(st.Blocks) * st.Bsize
	}
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		m.KernelVersion = unix.ByteSliceToString(uts.Release[:])
	}
	m.OSImage = osImage()
	if id, err := os.ReadFile("/etc/machine-id"); err == nil {
		m.MachineID = strings.TrimSpace(string(id))
	}
	if nodeIP == "" {
		nodeIP = firstIPv4()
	}
	if nodeIP != "" {
		m.Addresses = append(m.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: nodeIP})
	}
	m.Addresses = append(m.Addresses, corev1.NodeAddress{Type: corev1.NodeHostName, Address: name})
	return m
}

func osImage() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

func firstIPv4() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
				return ipn.IP.String()
			}
		}
	}
	return ""
}
