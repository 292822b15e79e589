package kube

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The deleter itself is tested against a real kube-apiserver by the end-to-end tests;
// the registry's handler is tested through its ResourceDeleter interface.

func TestLoadConfigWithoutCluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	cfg, err := LoadConfig("")
	require.NoError(t, err)
	assert.Nil(t, cfg, "no kubeconfig and not in a cluster: no cluster access")
}

func TestLoadConfigFromKubeconfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(file, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t0ken}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600))
	cfg, err := LoadConfig(file)
	require.NoError(t, err)
	assert.Equal(t, "https://127.0.0.1:6443", cfg.Host)
	d, err := NewDeleter(cfg)
	require.NoError(t, err)
	assert.NotNil(t, d)

	_, err = LoadConfig(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}
