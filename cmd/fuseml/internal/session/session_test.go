package session

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfirm(t *testing.T) {
	terminal := func(io.Reader) bool { return true }
	tests := []struct {
		name   string
		input  string
		term   func(io.Reader) bool
		want   bool
		usage  bool
		prompt bool
	}{
		{name: "yes", input: "y\n", term: terminal, want: true, prompt: true},
		{name: "YES", input: "YES\n", term: terminal, want: true, prompt: true},
		{name: "no", input: "n\n", term: terminal, prompt: true},
		{name: "enter means no", input: "\n", term: terminal, prompt: true},
		{name: "end of input means no", input: "", term: terminal, prompt: true},
		{name: "not a terminal: refused, naming the flag", input: "y\n", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errb bytes.Buffer
			s := &Session{In: strings.NewReader(tt.input), Err: &errb, terminal: tt.term}
			got, err := s.Confirm(context.Background(), `delete application "iris"?`, "yes")
			if tt.usage {
				var ue *UsageError
				require.ErrorAs(t, err, &ue)
				assert.Contains(t, err.Error(), "--yes")
				assert.Empty(t, errb.String(), "no prompt without a terminal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Contains(t, errb.String(), `delete application "iris"? [y/N]`)
		})
	}
}

func TestConfirmCanceled(t *testing.T) {
	r, w := io.Pipe() // never answers
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &Session{In: r, Err: io.Discard, terminal: func(io.Reader) bool { return true }}
	_, err := s.Confirm(ctx, "delete?", "yes")
	assert.True(t, errors.Is(err, context.Canceled))
}

func TestClient(t *testing.T) {
	_, err := (&Session{}).Client()
	assert.ErrorIs(t, err, ErrNoURL)
	_, err = (&Session{URL: "not a url"}).Client()
	var ue *UsageError
	assert.ErrorAs(t, err, &ue)
	c1, err := (&Session{URL: "http://localhost:1"}).Client()
	require.NoError(t, err)
	assert.NotNil(t, c1)
}

func TestRedactedURL(t *testing.T) {
	assert.Equal(t, "http://***@host:8080", (&Session{URL: "http://user:secret@host:8080"}).RedactedURL())
	assert.Equal(t, "http://***@host:8080/x", (&Session{URL: "http://secret-token@host:8080/x"}).RedactedURL())
	assert.Equal(t, "http://host:8080", (&Session{URL: "http://host:8080"}).RedactedURL())
}

func TestDecode(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	tests := []struct {
		name, in string
		want     int
		err      string
	}{
		{"yaml", "a: 1\n", 1, ""},
		{"json", `{"a": 2}`, 2, ""},
		{"leading separator and comments", "# c\n---\na: 3\n---\n# end\n", 3, ""},
		{"two documents", "a: 1\n---\na: 2\n", 0, "holds 2 YAML documents"},
		{"unknown field", "a: 1\nb: 2\n", 0, `unknown field "b"`},
		{"empty", "\n \n", 0, "empty document"},
		{"only comments", "# nothing\n---\n", 0, "empty document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{In: strings.NewReader(tt.in)}
			var d doc
			err := s.Decode("-", &d)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Contains(t, err.Error(), "standard input")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.A)
		})
	}
}
