package testserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Kube is a real Kubernetes API server: kube-apiserver over etcd, both on loopback
// ports, with an admin token. One is started per test process and shared by its tests
// (see StartKube); each test works in its own namespace (see NewNamespace).
//
// Nothing else of a cluster runs: no controller manager, scheduler or kubelet, and no
// operator. Objects are stored and validated exactly as a cluster would, but nobody acts
// on them, so tests play the operators by writing status themselves.
type Kube struct {
	dir         string // temporary folder holding data, keys, logs and the kubeconfig
	host        string // https://127.0.0.1:port
	kubeconfig  string
	config      *rest.Config
	clientset   kubernetes.Interface
	dynamic     dynamic.Interface
	cleaner     dynamic.Interface // as dynamic, without deprecation warnings, for NewNamespace's cleanup
	etcd        *kubeProcess
	apiserver   *kubeProcess
	startup     time.Duration // from nothing to ready
	etcdStartup time.Duration // of which etcd

	mu        sync.Mutex
	installed map[string][32]byte // sha256 of the CRD document last applied, by CRD name
}

// kubeShared is the one Kube of this test process.
var kubeShared struct {
	once    sync.Once
	mu      sync.Mutex
	kube    *Kube
	skip    string // why tests needing Kubernetes skip, when they do
	err     error
	logged  bool
	stopped bool
}

const (
	// kubeAdminUser is the user of the admin token, in group system:masters.
	kubeAdminUser = "admin"
	// kubeFieldManager is the field manager of the objects the helper applies.
	kubeFieldManager = "fuseml-testserver"
	// kubeStartTimeout bounds the start of etcd and of kube-apiserver, each.
	kubeStartTimeout = 90 * time.Second
)

// StartKube returns this test process's Kubernetes API server, starting it (etcd, then
// kube-apiserver) on first use. Later calls return the same server; StopKube stops it,
// and a process that exits without calling StopKube takes the servers with it.
//
// It skips the test under -short, and when etcd or kube-apiserver is not installed in
// $FUSEML_TOOLS_BIN (else <repo root>/.tools/bin), saying to run `make tools`.
func StartKube(tb testing.TB) *Kube {
	tb.Helper()
	if testing.Short() {
		tb.Skip("skipping: needs a real kube-apiserver and etcd, which are not started under -short")
	}
	kubeShared.mu.Lock()
	defer kubeShared.mu.Unlock()
	if kubeShared.stopped {
		tb.Fatal("StartKube: the shared Kubernetes API server was already stopped by StopKube")
	}
	kubeShared.once.Do(func() {
		kubeShared.kube, kubeShared.skip, kubeShared.err = kubeStartShared()
	})
	switch {
	case kubeShared.skip != "":
		tb.Skip(kubeShared.skip)
	case kubeShared.err != nil:
		tb.Fatalf("starting the Kubernetes API server: %v", kubeShared.err)
	}
	k := kubeShared.kube
	if !kubeShared.logged {
		kubeShared.logged = true
		tb.Logf("kube-apiserver %s over etcd, ready in %s (etcd in %s; folder %s)", k.host,
			k.startup.Round(10*time.Millisecond), k.etcdStartup.Round(10*time.Millisecond), k.dir)
	}
	return k
}

// StopKube stops the shared Kubernetes API server and etcd, if they were started, and
// removes their folder. It is meant for the package's TestMain, after the tests have run;
// calling it again does nothing.
func StopKube() {
	kubeShared.mu.Lock()
	defer kubeShared.mu.Unlock()
	kubeShared.stopped = true
	if kubeShared.kube != nil {
		kubeShared.kube.stop()
		kubeShared.kube = nil
	}
}

// RESTConfig returns a copy of the admin client configuration: change it at will.
func (k *Kube) RESTConfig() *rest.Config { return rest.CopyConfig(k.config) }

// Kubeconfig returns the path of a kubeconfig file for the admin user, for binaries
// that the tests run (KUBECONFIG=...) and for kubectl.
func (k *Kube) Kubeconfig() string { return k.kubeconfig }

// Host returns the server's URL, https://127.0.0.1:port.
func (k *Kube) Host() string { return k.host }

// Clientset returns a typed client for the built-in APIs, as the admin user.
func (k *Kube) Clientset() kubernetes.Interface { return k.clientset }

// Dynamic returns a dynamic client, as the admin user: the way to reach custom resources.
func (k *Kube) Dynamic() dynamic.Interface { return k.dynamic }

// kubeStartShared starts etcd and kube-apiserver, or says why tests should skip. Ports
// are chosen free just before use and another process may take one meanwhile, so a
// failed start is retried on fresh ports.
func kubeStartShared() (k *Kube, skip string, err error) {
	bin, err := ToolsBin()
	if err != nil {
		return nil, "", err
	}
	etcd, apiserver := filepath.Join(bin, "etcd"), filepath.Join(bin, "kube-apiserver")
	for _, b := range []string{etcd, apiserver} {
		if _, err := os.Stat(b); err != nil {
			return nil, fmt.Sprintf("skipping: %s is not installed (run `make tools`)", b), nil
		}
	}
	kubeSweepStale()
	for attempt := 1; ; attempt++ {
		k, err = kubeStart(etcd, apiserver)
		if err == nil || attempt == 3 {
			return k, "", err
		}
	}
}

// kubeStart starts etcd, then kube-apiserver, in a new temporary folder, following
// envtest: loopback ports, a service-account key pair, a token file with an admin in
// system:masters, RBAC; and waits until the API server is ready.
func kubeStart(etcdBin, apiserverBin string) (_ *Kube, err error) {
	dir, err := os.MkdirTemp("", "fuseml-kube-")
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes folder: %w", err)
	}
	return kubeStartIn(dir, etcdBin, apiserverBin, false)
}

// kubeStartIn is kubeStart in the folder dir. With detach, the servers run in a session
// of their own and outlive this process (see StartKubeDetached).
func kubeStartIn(dir, etcdBin, apiserverBin string, detach bool) (_ *Kube, err error) {
	began := time.Now()
	k := &Kube{dir: dir, installed: map[string][32]byte{}}
	defer func() {
		if err != nil {
			k.stop()
		}
	}()
	// The owner's pid lets a later run remove this folder if this process dies
	// without calling StopKube (see kubeSweepStale).
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return nil, fmt.Errorf("writing the owner's pid: %w", err)
	}
	ports, err := kubeFreePorts(3)
	if err != nil {
		return nil, err
	}
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	k.host = fmt.Sprintf("https://127.0.0.1:%d", ports[2])

	k.etcd, err = kubeSpawn("etcd", etcdBin, []string{
		"--name=default",
		"--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=default=" + peerURL,
		"--unsafe-no-fsync", // test data: durability only costs time
	}, filepath.Join(dir, "etcd.log"), detach)
	if err != nil {
		return nil, err
	}
	if err := kubeWaitHTTP(k.etcd, clientURL+"/health", nil); err != nil {
		return nil, err
	}
	k.etcdStartup = time.Since(began)

	token, err := kubeWriteCredentials(dir)
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(dir, "certs")
	k.apiserver, err = kubeSpawn("kube-apiserver", apiserverBin, []string{
		"--etcd-servers=" + clientURL,
		"--cert-dir=" + certDir,
		"--secure-port=" + strconv.Itoa(ports[2]),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--disable-admission-plugins=ServiceAccount",
	}, filepath.Join(dir, "kube-apiserver.log"), detach)
	if err != nil {
		return nil, err
	}
	// The server's certificate is self-signed, made at start: probe without checking
	// it (and without the token: /readyz is public), then trust exactly that
	// certificate from then on.
	probe := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback probe of our own server
	}}
	if err := kubeWaitHTTP(k.apiserver, k.host+"/readyz", probe); err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(certDir, "apiserver.crt"))
	if err != nil {
		return nil, fmt.Errorf("reading the API server's certificate: %w", err)
	}

	k.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := kubeWriteKubeconfig(k.kubeconfig, k.host, ca, token); err != nil {
		return nil, err
	}
	// Build the client from the kubeconfig file, so that the file is proven good too.
	k.config, err = clientcmd.BuildConfigFromFlags("", k.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", k.kubeconfig, err)
	}
	k.config.QPS, k.config.Burst = 200, 400 // client-go's 5 per second would throttle tests
	k.config.UserAgent = kubeFieldManager
	if k.clientset, err = kubernetes.NewForConfig(k.config); err != nil {
		return nil, fmt.Errorf("making a clientset: %w", err)
	}
	if k.dynamic, err = dynamic.NewForConfig(k.config); err != nil {
		return nil, fmt.Errorf("making a dynamic client: %w", err)
	}
	quiet := rest.CopyConfig(k.config)
	quiet.WarningHandler = rest.NoWarnings{}
	if k.cleaner, err = dynamic.NewForConfig(quiet); err != nil {
		return nil, fmt.Errorf("making a dynamic client: %w", err)
	}
	if _, err := k.clientset.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("asking the API server its version with the kubeconfig: %w", err)
	}
	k.startup = time.Since(began)
	return k, nil
}

// stop stops kube-apiserver, then etcd, and removes the folder.
func (k *Kube) stop() {
	if k.apiserver != nil {
		k.apiserver.stop(10 * time.Second)
	}
	if k.etcd != nil {
		k.etcd.stop(10 * time.Second)
	}
	_ = os.RemoveAll(k.dir)
}

// kubeWriteCredentials writes the service-account key pair (sa.key, sa.pub) and the
// token file (tokens.csv) with a fresh admin token, which it returns.
func kubeWriteCredentials(dir string) (token string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generating the service-account key: %w", err)
	}
	priv, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encoding the service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", fmt.Errorf("encoding the service-account public key: %w", err)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a token: %w", err)
	}
	token = hex.EncodeToString(b)
	files := map[string][]byte{
		"sa.key":     pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: priv}),
		"sa.pub":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv": fmt.Appendf(nil, "%s,%s,%s,system:masters\n", token, kubeAdminUser, kubeAdminUser),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return "", fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return token, nil
}

// kubeWriteKubeconfig writes a kubeconfig for the admin token, trusting ca.
func kubeWriteKubeconfig(path, host string, ca []byte, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["fuseml-test"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: ca}
	cfg.AuthInfos[kubeAdminUser] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["fuseml-test"] = &clientcmdapi.Context{Cluster: "fuseml-test", AuthInfo: kubeAdminUser, Namespace: "default"}
	cfg.CurrentContext = "fuseml-test"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

// kubeWaitHTTP waits until url answers 200 OK, failing early if p exits.
func kubeWaitHTTP(p *kubeProcess, url string, client *http.Client) error {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	deadline := time.Now().Add(kubeStartTimeout)
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v); its log ends:\n%s", p.name, p.err, p.logTail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s (last answer: %s); its log ends:\n%s", p.name, kubeStartTimeout, last, p.logTail())
		}
	}
}

// kubeProcess is a server process started by the helper.
type kubeProcess struct {
	name string
	cmd  *exec.Cmd
	log  string        // file holding its output
	done chan struct{} // closed once it has exited
	err  error         // how it exited, once done is closed
}

// kubeSpawn starts bin with its output in logPath. Where the system allows it (Linux),
// the process is killed when the test process dies, so that a test binary that exits
// without StopKube, or is killed, leaves no server behind.
// With detach, it runs in a session of its own instead, and outlives the test process.
func kubeSpawn(name, bin string, args []string, logPath string, detach bool) (*kubeProcess, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", name, err)
	}
	p := &kubeProcess{name: name, log: logPath, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if detach {
		Detach(p.cmd)
	} else {
		DieWithParent(p.cmd)
	}
	err = Start(p.cmd, func(err error) {
		p.err = err
		logFile.Close()
		close(p.done)
	})
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return p, nil
}

// stop asks the process to end, and kills it if it has not within grace.
func (p *kubeProcess) stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the last lines of the process's output, for error messages.
func (p *kubeProcess) logTail() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// kubeFreePorts returns n distinct loopback ports that were free a moment ago.
func kubeFreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close() // held until all are chosen, so that they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// kubeSweepStale removes the folders of servers whose test process has died without
// StopKube (their servers died with it, see kubeSpawn).
func kubeSweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "fuseml-kube-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || kubeProcessAlive(pid) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// kubeMustRepoRoot is RepoRoot for tests.
func kubeMustRepoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}
