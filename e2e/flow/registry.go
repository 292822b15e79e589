package flow

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/registry/api"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
)

// Registry is a running fuseml-registry binary over a SQLite file.
type Registry struct {
	// URL is where it answers, http://127.0.0.1:PORT.
	URL string
	// AdminToken is for the CLI; StepToken (an editor's) is what the step gets through
	// the registry's own extension; ReaderToken may only read.
	AdminToken  string
	StepToken   string
	ReaderToken string
	// Dir holds the database, the key, the tokens file and the log (registry.log).
	Dir     string
	Process *Process
}

// StartRegistry starts bin (fuseml-registry serve) on a free loopback port with its
// SQLite database, encryption key and tokens file in dir, and cluster access through
// kubeconfig (so that deleting an application deletes its Kubernetes objects); it waits
// until /readyz answers. detach: see Spawn.
func StartRegistry(ctx context.Context, bin, dir, kubeconfig string, detach bool) (*Registry, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r := &Registry{Dir: dir, AdminToken: api.NewToken(), StepToken: api.NewToken(), ReaderToken: api.NewToken()}
	keyFile := filepath.Join(dir, "registry.key")
	tokensFile := filepath.Join(dir, "tokens")
	if err := os.WriteFile(keyFile, []byte(seal.NewKey()+"\n"), 0o600); err != nil {
		return nil, err
	}
	tokens := "# token,name,role (reader, editor, admin)\n" +
		r.AdminToken + ",admin,admin\n" +
		r.StepToken + ",seldon-core-predictor,editor\n" +
		r.ReaderToken + ",reader,reader\n"
	if err := os.WriteFile(tokensFile, []byte(tokens), 0o600); err != nil {
		return nil, err
	}
	port, err := testserver.FreePort()
	if err != nil {
		return nil, err
	}
	r.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--database", filepath.Join(dir, "registry.db"),
		"--tokens-file", tokensFile,
		"--encryption-key-file", keyFile,
		"--kubeconfig", kubeconfig,
		"--verbose", // debug logs too: the e2e scans them for credentials
	}
	r.Process, err = Spawn("fuseml-registry", bin, args, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir},
		filepath.Join(dir, "registry.log"), detach, nil)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, r.Process, r.URL+"/readyz", r.AdminToken); err != nil {
		r.Process.Stop(5 * time.Second)
		return nil, err
	}
	return r, nil
}

// waitHTTP waits until url answers 200, failing early if p exits.
func waitHTTP(ctx context.Context, p *Process, url, token string) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited before it was ready; its log ends:\n%s", p.Name, LogTail(p.Log, 20))
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s (last: %s); its log ends:\n%s", p.Name, url, last, LogTail(p.Log, 20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// LogTail returns the last lines of a log file.
func LogTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
