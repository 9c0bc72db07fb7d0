package logserver

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

type fakeSource struct{ files []string }

func (f fakeSource) Pods() []*corev1.Pod { return []*corev1.Pod{{}} }

func (f fakeSource) LogFiles(ns, pod, ctr string) ([]string, error) {
	if pod != "p" {
		return nil, os.ErrNotExist
	}
	return f.files, nil
}

// clientCert makes a CA and a client certificate it signed.
func clientCert(t *testing.T) (*x509.CertPool, tls.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	ckey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver-kubelet-client"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, cl, caCert, &ckey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: ckey}
}

func TestServer(t *testing.T) {
	dir := t.TempDir()
	cur, prev := filepath.Join(dir, "1.log"), filepath.Join(dir, "0.log")
	old := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	os.WriteFile(prev, []byte("previous\n"), 0o644)
	os.WriteFile(cur, []byte(old+" stdout F old line\n"+now+" stdout P part-\n"+now+" stderr F one\nraw two\n"), 0o644)
	pool, cert := clientCert(t)
	s, err := Listen(Config{Addr: "127.0.0.1:0", ClientCAs: pool, Source: fakeSource{files: []string{cur, prev}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	base := "https://" + s.Addr().String()
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}                                          //nolint:gosec // test
	authed := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}}}} //nolint:gosec // test
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		c    *http.Client
		path string
		code int
		body string
	}{
		{anon, "/healthz", 200, "ok"},
		{anon, "/containerLogs/ns/p/c", 401, "Unauthorized\n"},
		{authed, "/containerLogs/ns/p/c", 200, "old line\npart-one\nraw two\n"},
		{authed, "/containerLogs/ns/p/c?tailLines=2", 200, "one\nraw two\n"},
		{authed, "/containerLogs/ns/p/c?sinceSeconds=60", 200, "part-one\nraw two\n"},
		{authed, "/containerLogs/ns/p/c?previous=true", 200, "previous\n"},
		{authed, "/containerLogs/ns/p/c?limitBytes=3", 200, "old"},
		{authed, "/containerLogs/ns/p/c?tailLines=x", 400, "invalid tailLines \"x\"\n"},
		{authed, "/containerLogs/ns/p/c?stream=Stderr", 200, "one\nraw two\n"},
		{authed, "/containerLogs/ns/p/c?stream=Stdout&tailLines=2", 200, "part-raw two\n"},
		{authed, "/containerLogs/ns/p/c?stream=both", 400, ""},
		{authed, "/containerLogs/ns/nope/c", 404, ""},
	}
	for _, tc := range cases {
		code, body := get(tc.c, tc.path)
		if code != tc.code || (tc.body != "" && body != tc.body) {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	if _, body := get(authed, "/containerLogs/ns/p/c?timestamps=true&tailLines=2"); !strings.HasPrefix(body, now[:10]) {
		t.Errorf("timestamps: %q", body)
	}
	resp, err := authed.Get(base + "/containerLogs/ns/p/c?follow=true&tailLines=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	f, _ := os.OpenFile(cur, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(now + " stdout F appended\n")
	f.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "appended\n" {
		t.Errorf("follow = %q, %v", line, err)
	}
}
