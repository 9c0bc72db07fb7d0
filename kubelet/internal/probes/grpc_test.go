package probes

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
)

// A grpc probe asks the standard health service: SERVING passes,
// NOT_SERVING and unknown services fail, as upstream's grpc prober.
func TestGRPCProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)

	port := int32(l.Addr().(*net.TCPAddr).Port)
	target := Target{PodIP: "127.0.0.1", Container: &corev1.Container{}}
	probe := func(service *string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return Do(ctx, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: port, Service: service}}}, target)
	}
	if err := probe(nil); err != nil {
		t.Errorf("serving server: %v", err)
	}
	db, missing := "db", "missing"
	if err := probe(&db); err == nil {
		t.Error("NOT_SERVING service counted as healthy")
	}
	if err := probe(&missing); err == nil {
		t.Error("unknown service counted as healthy")
	}
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_SERVING)
	if err := probe(&db); err != nil {
		t.Errorf("db after it became SERVING: %v", err)
	}
	srv.Stop()
	if err := probe(nil); err == nil {
		t.Error("stopped server counted as healthy")
	}
}
