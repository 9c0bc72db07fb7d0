package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/bench"
	"github.com/wharfhq/wharf/hack/bench/proc"
	"github.com/wharfhq/wharf/proto/client"
)

// cluster is an apiserver plus one wharf-flannel process per node.
type cluster struct {
	o      options
	dir    string
	srv    *bench.APIServer
	c      *client.Client
	kc     string
	agents map[int]*proc.Process
}

func startCluster(ctx context.Context, o options, dir string) (*cluster, error) {
	srv, err := bench.StartAPIServer(ctx, o.apiserver, dir)
	if err != nil {
		return nil, err
	}
	cl := &cluster{o: o, dir: dir, srv: srv, kc: filepath.Join(dir, "kubeconfig"), agents: map[int]*proc.Process{}}
	kc := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: %s\n"+
		"contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n", srv.URL)
	if err := os.WriteFile(cl.kc, []byte(kc), 0o600); err != nil {
		cl.stop()
		return nil, err
	}
	if cl.c, err = client.New(&client.Config{Host: srv.URL, QPS: -1, Timeout: time.Minute}); err != nil {
		cl.stop()
		return nil, err
	}
	// 10.0.0.0/8 leaves room for the 1,000 extra nodes of the programming test.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-flannel-cfg", Namespace: "kube-system"},
		Data: map[string]string{"net-conf.json": `{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan","VNI":1,"Port":8472}}`}}
	if _, err := client.ConfigMaps(cl.c, "kube-system").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		cl.stop()
		return nil, err
	}
	return cl, nil
}

// freshNodes (re)creates node-1 and node-2 without annotations, so the
// agents of a new round publish their new VTEPs.
func (cl *cluster) freshNodes(ctx context.Context) error {
	for i := 1; i <= 2; i++ {
		name := fmt.Sprintf("node-%d", i)
		_ = client.Nodes(cl.c).Delete(ctx, name, metav1.DeleteOptions{})
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i)}}
		if _, err := client.Nodes(cl.c).Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// up starts both agents on fresh Nodes and waits until each node has a
// route to the other.
func (cl *cluster) up(ctx context.Context) error {
	if err := cl.freshNodes(ctx); err != nil {
		return err
	}
	for i := 1; i <= 2; i++ {
		if err := cl.startAgent(i); err != nil {
			return err
		}
	}
	for _, n := range []string{"n1", "n2"} {
		if _, err := waitRoutes(ctx, n, 1, 30*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// down stops both agents.
func (cl *cluster) down() {
	for i := range cl.agents {
		cl.stopAgent(i)
	}
}

// startAgent runs wharf-flannel for node i, programming netns n<i>.
func (cl *cluster) startAgent(i int) error {
	cmd := exec.Command(cl.o.flannel, "--kubeconfig", cl.kc, "--node-name", fmt.Sprintf("node-%d", i),
		"--netns", "/run/netns/"+nsName(fmt.Sprintf("n%d", i)), "--iface", "eth0", "--http-addr", "",
		"--subnet-file", filepath.Join(cl.dir, fmt.Sprintf("subnet-%d.env", i)))
	p, err := proc.StartAppend("wharf-flannel", cmd, filepath.Join(cl.dir, fmt.Sprintf("flannel-%d.log", i)))
	if err != nil {
		return err
	}
	cl.agents[i] = p
	return nil
}

// stopAgent stops node i's agent by its PID.
func (cl *cluster) stopAgent(i int) {
	cl.agents[i].Stop(10 * time.Second) // a nil agent is not running
	delete(cl.agents, i)
}

func (cl *cluster) stop() {
	cl.down()
	cl.srv.Stop()
}

// waitRoutes waits until node n's flannel.1 carries want routes.
func waitRoutes(ctx context.Context, n string, want int, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		out, _ := sh("ip", "-n", nsName(n), "route", "show", "dev", "flannel.1")
		got := strings.Count(out, "onlink")
		if got == want {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout || ctx.Err() != nil {
			return 0, fmt.Errorf("%s has %d flannel.1 routes after %v, want %d", n, got, timeout, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// programming measures 1,000 peers: node-1's agent starts with 1,000 extra
// Nodes present and an empty flannel.1; it reports process start → all
// routes in the kernel, and the agent's own sync time from its log.
func (cl *cluster) programming(ctx context.Context, peers int) (startToDone, syncTook time.Duration, err error) {
	cl.stopAgent(1)
	if _, err := sh(cl.o.flannel, "--cleanup", "--netns", "/run/netns/"+nsName("n1")); err != nil {
		return 0, 0, err
	}
	for k := 0; k < peers; k++ {
		mac := fmt.Sprintf("0a:58:00:00:%02x:%02x", k>>8, k&0xff)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("fake-%04d", k), Annotations: map[string]string{
			"flannel.alpha.coreos.com/backend-type": "vxlan",
			"flannel.alpha.coreos.com/backend-data": fmt.Sprintf(`{"VNI":1,"VtepMAC":"%s"}`, mac),
			"flannel.alpha.coreos.com/public-ip":    fmt.Sprintf("172.16.%d.%d", k/250, k%250+1),
		}}, Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.%d.%d.0/24", 100+k/256, k%256)}}
		if _, err := client.Nodes(cl.c).Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return 0, 0, err
		}
	}
	start := time.Now()
	if err := cl.startAgent(1); err != nil {
		return 0, 0, err
	}
	if _, err := waitRoutes(ctx, "n1", peers+1, 2*time.Minute); err != nil {
		return 0, 0, err
	}
	startToDone = time.Since(start)
	time.Sleep(200 * time.Millisecond) // let the agent log its sync
	log, _ := os.ReadFile(filepath.Join(cl.dir, "flannel-1.log"))
	re := regexp.MustCompile(fmt.Sprintf(`programmed flannel.1" peers=%d .*took=(\S+)`, peers+1))
	if m := re.FindAllSubmatch(log, -1); len(m) > 0 {
		syncTook, _ = time.ParseDuration(string(m[len(m)-1][1]))
	}
	return startToDone, syncTook, nil
}
