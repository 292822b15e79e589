package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary run as fuseml itself, so that the exit status set in
// main is checked on a real process.
func TestMain(m *testing.M) {
	if os.Getenv("FUSEML_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestExitStatus(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	tests := []struct {
		args    []string
		code    int
		stderr  string
		stdoutC string
	}{
		{args: []string{"--help"}, code: 0, stdoutC: "USAGE:"},
		{args: []string{"application", "list"}, code: 2, stderr: "fuseml: no registry URL"},
		{args: []string{"application", "list", "--url", closed}, code: 6, stderr: "fuseml: listing applications: cannot reach the registry"},
		{args: []string{"bogus"}, code: 2, stderr: `fuseml: unknown command "bogus"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), "FUSEML_TEST_RUN_MAIN=1", "FUSEML_SERVER_URL=", "FUSEML_TOKEN=")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.code, code, "stderr: %s", errb.String())
			if tt.stderr != "" {
				assert.True(t, strings.HasPrefix(errb.String(), tt.stderr), "stderr: %q", errb.String())
				assert.Equal(t, 1, strings.Count(errb.String(), "\n"), "one line")
			}
			assert.Contains(t, out.String(), tt.stdoutC)
		})
	}
}
