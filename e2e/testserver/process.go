package testserver

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// This file starts the servers for programs rather than tests (the demo): in a folder
// the caller chooses and keeps, as processes that outlive the program, to be stopped
// later by their process ids.

// StartKubeDetached starts etcd and kube-apiserver, as StartKube does, in dir (data,
// keys, logs, the kubeconfig), but as processes in sessions of their own that keep
// running after this process exits. Stop them by the ids Pids returns.
func StartKubeDetached(dir string) (*Kube, error) {
	bin, err := ToolsBin()
	if err != nil {
		return nil, err
	}
	etcd, apiserver := filepath.Join(bin, "etcd"), filepath.Join(bin, "kube-apiserver")
	for _, b := range []string{etcd, apiserver} {
		if _, err := os.Stat(b); err != nil {
			return nil, fmt.Errorf("%s is not installed (run `make tools`)", b)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return kubeStartIn(dir, etcd, apiserver, true)
}

// Pids returns the process ids of kube-apiserver and etcd, in the order to stop them.
func (k *Kube) Pids() []int {
	var out []int
	for _, p := range []*kubeProcess{k.apiserver, k.etcd} {
		if p != nil && p.cmd.Process != nil {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}

// Dir returns the folder of the servers' data, keys, logs and kubeconfig.
func (k *Kube) Dir() string { return k.dir }

// StartMinIODetached starts a MinIO server, as StartMinIO does, with its data and log
// (minio.log) in dir and fresh random root credentials, as a process in a session of its
// own that keeps running after this process exits. Stop it by the id Pid returns.
func StartMinIODetached(dir string) (*MinIO, error) {
	bin, err := ToolsBin()
	if err != nil {
		return nil, err
	}
	bin = filepath.Join(bin, "minio")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is not installed (run `make tools`)", bin)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	ports, err := kubeFreePorts(2)
	if err != nil {
		return nil, err
	}
	m := &MinIO{
		Endpoint:  fmt.Sprintf("http://127.0.0.1:%d", ports[0]),
		Console:   fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
		AccessKey: "fuseml-demo",
		SecretKey: hex.EncodeToString(secret),
		Dir:       dir,
	}
	logPath := filepath.Join(dir, "minio.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	m.cmd = exec.Command(bin, "server", filepath.Join(dir, "data"), "--quiet",
		"--address", fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"--console-address", fmt.Sprintf("127.0.0.1:%d", ports[1]))
	m.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=on",
	)
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	Detach(m.cmd)
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("MinIO exited before it was ready; its log ends:\n%s", tailFile(logPath, 20))
		default:
		}
		resp, err := http.Get(m.Endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = m.cmd.Process.Kill()
	return nil, fmt.Errorf("MinIO did not become ready on %s; its log ends:\n%s", m.Endpoint, tailFile(logPath, 20))
}

// Pid returns the process id of the MinIO server.
func (m *MinIO) Pid() int { return m.cmd.Process.Pid }

// MainJobCRDFiles returns the CRD files the main job needs, for programs: Seldon's (the
// real ones from ../shared/crds beside the repository where present, else the project's
// small ones; from says which), the Istio Gateway's and Tekton's (TektonModule, from the
// Go module cache, downloaded there if needed).
func MainJobCRDFiles() (files []string, from string, err error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, "", err
	}
	from = filepath.Join(filepath.Dir(root), "shared", "crds")
	seldon := kubeFilesIn(from, kubeSeldonCRDNames)
	if seldon == nil {
		from = filepath.Join(root, kubeOwnCRDs)
		if seldon = kubeSmallSeldonCRDFiles(root); seldon == nil {
			return nil, "", fmt.Errorf("no Seldon CRDs in %s", from)
		}
	}
	istio := kubeFilesIn(filepath.Join(root, kubeOwnCRDs), []string{"gateways.networking.istio.io.yaml"})
	if istio == nil {
		return nil, "", fmt.Errorf("no Istio Gateway CRD in %s", filepath.Join(root, kubeOwnCRDs))
	}
	kubeTekton.once.Do(func() {
		kubeTekton.files, kubeTekton.skip = kubeFindTektonCRDs()
	})
	if kubeTekton.skip != "" {
		return nil, "", fmt.Errorf("Tekton CRDs: %s", kubeTekton.skip)
	}
	files = append(append(seldon, istio...), kubeTekton.files...)
	return files, from, nil
}

// InstallCRDFiles is InstallCRDs for programs: it applies the CRDs in the files and
// waits until they are served, returning an error rather than failing a test.
func (k *Kube) InstallCRDFiles(files ...string) error {
	ctx, cancel := kubeContext()
	defer cancel()
	var crds []*unstructured.Unstructured
	for _, file := range files {
		docs, err := kubeReadYAMLDocuments(file)
		if err != nil {
			return err
		}
		for _, doc := range docs {
			crd := &unstructured.Unstructured{}
			if err := json.Unmarshal(doc, &crd.Object); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if err := k.applyOnce(ctx, doc, crd.GetName()); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			crds = append(crds, crd)
		}
	}
	for _, crd := range crds {
		if err := k.waitServed(ctx, crd); err != nil {
			return err
		}
	}
	return nil
}
