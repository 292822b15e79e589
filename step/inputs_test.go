package step

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLimits(t *testing.T) {
	got, err := ParseLimits(" cpu=2, memory=4Gi ,nvidia.com/gpu=1")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}, got)
	got, err = ParseLimits("")
	require.NoError(t, err)
	assert.Nil(t, got)
	for in, want := range map[string]string{
		"cpu":         `FUSEML_RESOURCES_LIMITS: "cpu": expected name=quantity pairs separated by commas, e.g. cpu=2,memory=4Gi`,
		"cpu=lots":    `FUSEML_RESOURCES_LIMITS: cpu="lots": not a Kubernetes quantity (e.g. 500m, 2, 4Gi)`,
		"cpu=1,cpu=2": `FUSEML_RESOURCES_LIMITS: cpu given twice`,
		"=1":          `FUSEML_RESOURCES_LIMITS: "=1": expected name=quantity pairs separated by commas, e.g. cpu=2,memory=4Gi`,
	} {
		_, err := ParseLimits(in)
		assert.ErrorIs(t, err, ErrInput, in)
		assert.EqualError(t, err, want, in)
	}
}

func TestAppName(t *testing.T) {
	cs := &Codeset{Org: "acme", Project: "churn"}
	tests := []struct {
		name, explicit, workflow string
		codeset                  *Codeset
		want                     string
		notes                    int
		err                      string
	}{
		{"explicit", "my-app", "wf", cs, "my-app", 0, ""},
		{"explicit normalised", "My_App.v2", "wf", nil, "my-app-v2", 1, ""},
		{"codeset", "", "mlflow-seldon", cs, "acme-churn-mlflow-seldon", 0, ""},
		{"codeset normalised", "", "Train_Serve", &Codeset{Org: "ACME", Project: "churn"}, "acme-churn-train-serve", 1, ""},
		{"codeset without workflow", "", "", cs, "", 0, "FUSEML_ENV_WORKFLOW_NAME: not set; it names the application together with the codeset (or set FUSEML_APP_NAME)"},
		{"nothing", "", "", nil, "", 0, "FUSEML_APP_NAME: not set, and neither a codeset nor FUSEML_ENV_WORKFLOW_NAME to make one from"},
		{"invalid", "___", "wf", nil, "", 0, `FUSEML_APP_NAME: "___": no valid Kubernetes name can be made of it (lowercase letters, digits and '-', at most 63 characters)`},
		{"too long", strings.Repeat("a", 70), "wf", nil, strings.Repeat("a", 63), 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notes, err := AppName(tt.explicit, tt.workflow, tt.codeset)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrInput)
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Len(t, notes, tt.notes, "%v", notes)
		})
	}
	got, notes, err := AppName("", "mlflow-seldon", nil)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^mlflow-seldon-[a-z0-9]{6}$`), got)
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "every run will create a new prediction service")
	other, _, _ := AppName("", "mlflow-seldon", nil)
	assert.NotEqual(t, got, other)
}

func TestReadCodeset(t *testing.T) {
	dir := t.TempDir()
	_, ok := ReadCodeset(dir)
	assert.False(t, ok)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".fuseml"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".fuseml", "_org"), []byte("acme\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".fuseml", "_project"), []byte("churn\n"), 0o644))
	c, ok := ReadCodeset(dir)
	require.True(t, ok)
	assert.Equal(t, Codeset{Org: "acme", Project: "churn"}, c)
}
