package yamlout

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// TestMarshalKeepsEveryCharacter: values with characters that YAML may not hold raw
// (found by FuzzExpressions: an input value "\x7f0" made the workflow compiler's WriteYAML fail) are written as
// escapes and read back unchanged.
func TestMarshalKeepsEveryCharacter(t *testing.T) {
	for name, value := range map[string]string{
		"DEL":               "\x7f0",
		"after a backslash": `\` + "\x7f",
		"NEL":               "a\u0085b",
		"C1":                "\u0080\u009f",
		"noncharacters":     "\ufffe\uffff",
		"BOM and LS":        "\ufeff\u2028\u2029",
		"C0 and tab":        "\x00\x01\t\n\r",
		"plain":             "s3://bucket/model",
	} {
		t.Run(name, func(t *testing.T) {
			out, err := Marshal(map[string]any{"value": value})
			require.NoError(t, err)
			var back map[string]string
			require.NoError(t, yaml.Unmarshal(out, &back), "%s", out)
			assert.Equal(t, value, back["value"], "%s", out)
		})
	}
}
