package flow

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanTextFindsPlainAndBase64(t *testing.T) {
	secrets := map[string]string{"the key": "s3cr3t-value", "unset": ""}
	text := "line one\nkey=s3cr3t-value\ndata: " + base64.StdEncoding.EncodeToString([]byte("s3cr3t-value")) + "\nclean"
	got := ScanText("log", text, secrets)
	assert.Equal(t, []Finding{{Where: "log", Secret: "the key", Line: 2, Form: FormPlain}, {Where: "log", Secret: "the key", Line: 3, Form: FormBase64}}, got)
	assert.Equal(t, "log:2 holds the key", got[0].String())
	assert.Equal(t, "log:3 holds the key (base64)", got[1].String())
	assert.Empty(t, ScanText("log", "nothing here", secrets))
}

// TestScanTextFindsEveryEncoding: a credential is found inside a longer base64 text at
// each alignment and in both alphabets, URL-encoded and JSON-escaped; other values, and
// the value's own neighbours in base64, are not findings.
func TestScanTextFindsEveryEncoding(t *testing.T) {
	const secret = "fake/Secret+Key&<value>?=42"
	secrets := map[string]string{"the key": secret}
	b64 := base64.StdEncoding.EncodeToString
	raw := base64.RawURLEncoding.EncodeToString
	for name, text := range map[string]string{
		"plain":                      "x" + secret + "y",
		"base64":                     b64([]byte(secret)),
		"base64 after 1 byte":        b64([]byte("a" + secret + "tail")),
		"base64 after 2 bytes":       b64([]byte("ab" + secret)),
		"base64 in a YAML Secret":    "s3: " + b64([]byte("type: s3\nsecret_access_key: "+secret+"\n")),
		"URL alphabet, after 1 byte": raw([]byte("\xfb" + secret + "\xff")),
		"basic auth header":          "Authorization: Basic " + b64([]byte("user:"+secret)),
		"query":                      "GET /x?key=" + url.QueryEscape(secret),
		"path":                       "GET /x/" + url.PathEscape(secret),
		"JSON":                       mustJSON(t, map[string]string{"k": secret}),
		"Go quoted":                  strconv.Quote(secret + "\x01"),
	} {
		t.Run(name, func(t *testing.T) {
			got := ScanText(name, "before\n"+text+"\nafter", secrets)
			require.Len(t, got, 1, "%s", text)
			assert.Equal(t, 2, got[0].Line)
		})
	}
	for name, text := range map[string]string{
		"another value": b64([]byte("fake/Secret+Key&<value>?=43 and more")),
		"the value cut": secret[:len(secret)-1],
		"redacted":      `{"AWS_SECRET_ACCESS_KEY":"***"}`,
		"other base64 ": b64([]byte("a harmless value of some length")),
	} {
		t.Run("not "+name, func(t *testing.T) {
			assert.Empty(t, ScanText(name, text, secrets), "%s", text)
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
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
