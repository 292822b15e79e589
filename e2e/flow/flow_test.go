package flow

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanTextFindsPlainAndBase64(t *testing.T) {
	secrets := map[string]string{"the key": "s3cr3t-value", "unset": ""}
	text := "line one\nkey=s3cr3t-value\ndata: " + base64.StdEncoding.EncodeToString([]byte("s3cr3t-value")) + "\nclean"
	got := ScanText("log", text, secrets)
	assert.Equal(t, []Finding{{Where: "log", Secret: "the key", Line: 2}, {Where: "log", Secret: "the key", Line: 3}}, got)
	assert.Equal(t, "log:2 holds the key", got[0].String())
	assert.Empty(t, ScanText("log", "nothing here", secrets))
}

func TestSubstitute(t *testing.T) {
	lookup := func(ref string) (string, bool) {
		v, ok := map[string]string{"params.model": "s3://b/m", "context.taskRun.namespace": "ns"}[ref]
		return v, ok
	}
	got, err := substitute("$(params.model) in $(context.taskRun.namespace)", lookup)
	require.NoError(t, err)
	assert.Equal(t, "s3://b/m in ns", got)
	_, err = substitute("$(params.missing)", lookup)
	assert.ErrorContains(t, err, "nothing substitutes $(params.missing)")
}
