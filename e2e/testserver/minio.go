package testserver

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIO is a running MinIO server on loopback.
type MinIO struct {
	// Endpoint is the S3 endpoint URL, http://127.0.0.1:PORT.
	Endpoint string
	// Console is the URL of MinIO's web console.
	Console string
	// AccessKey and SecretKey are the root credentials.
	AccessKey string
	SecretKey string
	// Dir holds the server's data and its log (minio.log).
	Dir string

	cmd *exec.Cmd
}

var (
	minioOnce   sync.Once
	minioShared *MinIO
	minioErr    error
	bucketSeq   atomic.Int64
)

// StartMinIO returns the MinIO server shared by the tests of this process, starting it
// the first time. It skips the test under -short or when MinIO is not installed.
func StartMinIO(tb testing.TB) *MinIO {
	tb.Helper()
	skipShort(tb, "MinIO server")
	bin := binary(tb, "minio")
	minioOnce.Do(func() {
		minioShared, minioErr = startMinIO(bin)
		if minioErr == nil {
			onStop(minioShared.stop)
		}
	})
	if minioErr != nil {
		tb.Fatalf("starting MinIO: %v", minioErr)
	}
	return minioShared
}

func startMinIO(bin string) (*MinIO, error) {
	dir, err := os.MkdirTemp("", "fuseml-minio-*")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		m, err := tryStartMinIO(bin, dir)
		if err == nil {
			return m, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func tryStartMinIO(bin, dir string) (*MinIO, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	consolePort, err := FreePort()
	if err != nil {
		return nil, err
	}
	m := &MinIO{
		Endpoint:  fmt.Sprintf("http://127.0.0.1:%d", port),
		Console:   fmt.Sprintf("http://127.0.0.1:%d", consolePort),
		AccessKey: "fuseml-test-access",
		SecretKey: "fuseml-test-secret-" + fmt.Sprint(time.Now().UnixNano()),
		Dir:       dir,
	}
	data := filepath.Join(dir, "data")
	logPath := filepath.Join(dir, "minio.log")
	m.cmd = exec.Command(bin, "server", data, "--quiet",
		"--address", fmt.Sprintf("127.0.0.1:%d", port),
		"--console-address", fmt.Sprintf("127.0.0.1:%d", consolePort))
	m.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=on",
	)
	if err := startProcess(m.cmd, logPath); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m.cmd.ProcessState != nil {
			break
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
	m.stop()
	return nil, fmt.Errorf("MinIO did not become ready on %s; its log ends:\n%s", m.Endpoint, tailFile(logPath, 20))
}

func (m *MinIO) stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
	}
	os.RemoveAll(m.Dir)
}

// Client returns a minio-go client with the root credentials, independent of the stores
// under test.
func (m *MinIO) Client(tb testing.TB) *minio.Client {
	tb.Helper()
	c, err := minio.New(strings.TrimPrefix(m.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, ""),
	})
	if err != nil {
		tb.Fatalf("MinIO client: %v", err)
	}
	return c
}

var unsafeBucketChars = regexp.MustCompile(`[^a-z0-9-]+`)

// NewBucket creates a fresh bucket for one test, named after it.
func (m *MinIO) NewBucket(tb testing.TB) string {
	tb.Helper()
	name := unsafeBucketChars.ReplaceAllString(strings.ToLower(tb.Name()), "-")
	suffix := fmt.Sprintf("-%d", bucketSeq.Add(1))
	if max := 63 - len(suffix) - len("t-"); len(name) > max {
		name = name[:max]
	}
	name = "t-" + strings.Trim(name, "-") + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Client(tb).MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		tb.Fatalf("creating bucket %s: %v", name, err)
	}
	return name
}

// Env returns the variables through which the step and MLflow reach this server.
func (m *MinIO) Env() map[string]string {
	return map[string]string{
		"MLFLOW_S3_ENDPOINT_URL": m.Endpoint,
		"AWS_ACCESS_KEY_ID":      m.AccessKey,
		"AWS_SECRET_ACCESS_KEY":  m.SecretKey,
		"AWS_DEFAULT_REGION":     "us-east-1",
	}
}
