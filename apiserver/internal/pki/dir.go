package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// File names inside a cert dir.
const (
	CACert           = "ca.crt"
	CAKey            = "ca.key"
	ServingCert      = "apiserver.crt"
	ServingKey       = "apiserver.key"
	KubeletClientCrt = "apiserver-kubelet-client.crt"
	KubeletClientKey = "apiserver-kubelet-client.key"
	SAKey            = "sa.key"
	AdminKubeconfig  = "admin.kubeconfig"
)

// SANs are the names a serving certificate is valid for.
type SANs struct {
	DNSNames []string
	IPs      []net.IP
}

// DefaultSANs are the apiserver's serving names: the host name, the
// kubernetes service names, 127.0.0.1, serviceIP and every IP of this
// host's interfaces.
func DefaultSANs(serviceIP net.IP, extraIPs ...net.IP) SANs {
	s := SANs{DNSNames: []string{"localhost", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}}
	if h, err := os.Hostname(); err == nil && h != "" {
		s.DNSNames = append(s.DNSNames, h)
	}
	s.IPs = append(s.IPs, net.ParseIP("127.0.0.1"))
	if serviceIP != nil {
		s.IPs = append(s.IPs, serviceIP)
	}
	s.IPs = append(s.IPs, extraIPs...)
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				s.IPs = append(s.IPs, n.IP)
			}
		}
	}
	return s
}

// Dir is a cert dir with every file EnsureDir makes.
type Dir struct {
	Path string
	CA   *CA
}

// File is the path of name inside d.
func (d *Dir) File(name string) string { return filepath.Join(d.Path, name) }

// EnsureDir creates dir and whatever of its files are missing: the CA,
// the serving certificate for sans, the kubelet client certificate and
// the ServiceAccount key. The admin kubeconfig is written by
// WriteAdminKubeconfig once the server URL is known.
func EnsureDir(dir string, sans SANs) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: create %s: %w", dir, err)
	}
	d := &Dir{Path: dir}
	ca, err := d.ensureCA()
	if err != nil {
		return nil, err
	}
	d.CA = ca
	if err := d.ensureCert(ServingCert, ServingKey, CertRequest{CommonName: "kube-apiserver",
		DNSNames: sans.DNSNames, IPs: sans.IPs, Server: true}); err != nil {
		return nil, err
	}
	if err := d.ensureCert(KubeletClientCrt, KubeletClientKey, CertRequest{CommonName: "kube-apiserver-kubelet-client",
		Organization: []string{"system:masters"}, Client: true}); err != nil {
		return nil, err
	}
	if !exists(d.File(SAKey)) {
		k, err := NewKey()
		if err != nil {
			return nil, err
		}
		b, err := EncodeKey(k)
		if err != nil {
			return nil, err
		}
		if err := writeFile(d.File(SAKey), b); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Dir) ensureCA() (*CA, error) {
	if exists(d.File(CACert)) {
		return LoadCA(d.File(CACert), d.File(CAKey))
	}
	ca, err := NewCA("wharf-ca")
	if err != nil {
		return nil, err
	}
	key, err := EncodeKey(ca.Key)
	if err != nil {
		return nil, err
	}
	if err := writeFile(d.File(CAKey), key); err != nil {
		return nil, err
	}
	return ca, writeFile(d.File(CACert), ca.CertPEM)
}

func (d *Dir) ensureCert(certName, keyName string, req CertRequest) error {
	if exists(d.File(certName)) {
		return nil
	}
	cert, key, err := d.CA.Issue(req)
	if err != nil {
		return err
	}
	if err := writeFile(d.File(keyName), key); err != nil {
		return err
	}
	return writeFile(d.File(certName), cert)
}

// WriteAdminKubeconfig writes admin.kubeconfig (CN=admin,
// O=system:masters) for server unless it exists.
func (d *Dir) WriteAdminKubeconfig(server string) error {
	if exists(d.File(AdminKubeconfig)) {
		return nil
	}
	return WriteClientKubeconfig(d.CA, d.File(AdminKubeconfig), server, "admin", []string{"system:masters"})
}

// WriteClientKubeconfig issues a client certificate for user in groups
// and writes a kubeconfig at path that reaches server with it.
func WriteClientKubeconfig(ca *CA, path, server, user string, groups []string) error {
	cert, key, err := ca.Issue(CertRequest{CommonName: user, Organization: groups, Client: true})
	if err != nil {
		return err
	}
	return writeFile(path, Kubeconfig(server, ca.CertPEM, cert, key, user))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	return nil
}
