package input

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig(t *testing.T) {
	got, err := Config("configuration", []string{"A=1", "URI:http://x:9000/a=b", "EMPTY="})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "1", "URI": "http://x:9000/a=b", "EMPTY": ""}, got)

	got, err = Config("configuration", nil)
	require.NoError(t, err)
	assert.Nil(t, got)

	for _, bad := range [][]string{{"novalue"}, {"=v"}, {"A=1", "A=2"}} {
		_, err := Config("configuration", bad)
		assert.Error(t, err, "%q", bad)
	}
}
