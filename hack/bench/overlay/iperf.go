package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// iperf runs one iperf3 TCP test of d from pod p1 to pod p2 (10.244.2.2) and
// returns the received throughput in Gbit/s.
func iperf(ctx context.Context, d time.Duration) (float64, error) {
	srv := exec.Command("ip", "netns", "exec", nsName("p2"), "iperf3", "-s", "-1", "-B", "10.244.2.2", "-p", "5201")
	srv.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := srv.Start(); err != nil {
		return 0, fmt.Errorf("iperf3 server: %w", err)
	}
	defer func() {
		_ = srv.Process.Kill() // by PID: the server we started
		_ = srv.Wait()
	}()
	var lastErr error
	for try := 0; try < 50; try++ { // the server needs a moment to listen
		g, err := iperfClient(ctx, d)
		if err == nil {
			return g, nil
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return 0, lastErr
}

func iperfClient(ctx context.Context, d time.Duration) (float64, error) {
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", nsName("p1"), "iperf3", "-c", "10.244.2.2", "-p", "5201",
		"-t", strconv.Itoa(int(d.Seconds())), "-J")
	out, err := cmd.Output()
	var res struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		return 0, fmt.Errorf("iperf3 client: %v, output: %w", err, jerr)
	}
	if res.Error != "" {
		return 0, fmt.Errorf("iperf3: %s", res.Error)
	}
	if err != nil {
		return 0, fmt.Errorf("iperf3 client: %w", err)
	}
	return res.End.SumReceived.BitsPerSecond / 1e9, nil
}
