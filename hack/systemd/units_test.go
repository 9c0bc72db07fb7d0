package systemd_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// components maps each unit's base name to the env file and variable its
// ExecStart must use.
var components = map[string]string{
	"apiserver":          "WHARF_APISERVER_ARGS",
	"controller-manager": "WHARF_CONTROLLER_MANAGER_ARGS",
	"scheduler":          "WHARF_SCHEDULER_ARGS",
	"kubelet":            "WHARF_KUBELET_ARGS",
	"proxy":              "WHARF_PROXY_ARGS",
	"flannel":            "WHARF_FLANNEL_ARGS",
}

// TestUnitsContract checks what every unit must contain, without systemd.
func TestUnitsContract(t *testing.T) {
	for c, env := range components {
		data, err := os.ReadFile("wharf-" + c + ".service")
		if err != nil {
			t.Fatal(err)
		}
		unit := string(data)
		for _, want := range []string{
			"Restart=on-failure",
			"EnvironmentFile=/etc/wharf/" + c + ".env",
			"ExecStart=/usr/local/bin/wharf-" + c + " $" + env,
			"After=network-online.target",
			"WantedBy=multi-user.target",
		} {
			if !strings.Contains(unit, want) {
				t.Errorf("wharf-%s.service lacks %q", c, want)
			}
		}
		example, err := os.ReadFile(filepath.Join("env", c+".env"))
		if err != nil {
			t.Errorf("example env file: %v", err)
		} else if !regexp.MustCompile(`(?m)^` + env + `="[^"]+"$`).Match(example) {
			t.Errorf("env/%s.env does not set %s", c, env)
		}
	}
	kubelet, _ := os.ReadFile("wharf-kubelet.service")
	if !regexp.MustCompile(`(?m)^After=.*\bcontainerd\.service\b`).Match(kubelet) {
		t.Error("wharf-kubelet.service is not ordered after containerd.service")
	}
	for _, c := range []string{"controller-manager", "scheduler"} {
		data, _ := os.ReadFile("wharf-" + c + ".service")
		if !regexp.MustCompile(`(?m)^After=.*\bwharf-apiserver\.service\b`).Match(data) {
			t.Errorf("wharf-%s.service is not ordered after wharf-apiserver.service", c)
		}
	}
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify over the units, with
// the containerd drop-in applied to a minimal containerd.service.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (hack/test.sh installs package systemd)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	units := filepath.Join(dir, "units")
	mustMkdir(t, bin, filepath.Join(units, "containerd.service.d"))
	var paths []string
	for c := range components {
		name := "wharf-" + c + ".service"
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// verify requires ExecStart binaries to exist and be executable. These
		// stubs stand in for the real binaries ONLY for that existence check;
		// systemd-analyze never runs them.
		stub := filepath.Join(bin, "wharf-"+c)
		writeFile(t, stub, "#!/bin/sh\nexit 0\n", 0o755)
		data = bytes.ReplaceAll(data, []byte("/usr/local/bin/wharf-"+c), []byte(stub))
		paths = append(paths, filepath.Join(units, name))
		writeFile(t, paths[len(paths)-1], string(data), 0o644)
	}
	// A stand-in for the distribution's containerd.service, so the kubelet's
	// Requires= resolves and the drop-in is verified on top of it.
	writeFile(t, filepath.Join(bin, "containerd"), "#!/bin/sh\nexit 0\n", 0o755)
	writeFile(t, filepath.Join(units, "containerd.service"),
		"[Unit]\nDescription=containerd stand-in\n[Service]\nExecStart="+filepath.Join(bin, "containerd")+"\n", 0o644)
	dropIn, err := os.ReadFile(filepath.Join("containerd.service.d", "10-wharf.conf"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(units, "containerd.service.d", "10-wharf.conf"), string(dropIn), 0o644)
	paths = append(paths, filepath.Join(units, "containerd.service"))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, analyze, append([]string{"verify", "--man=no"}, paths...)...)
	// The trailing colon appends systemd's default search path, so that
	// network-online.target and multi-user.target resolve.
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+units+":", "SYSTEMD_LOG_LEVEL=notice")
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func mustMkdir(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}
