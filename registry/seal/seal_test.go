package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	c, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := c.Seal([]byte("secret value"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret value")) {
		t.Fatal("sealed value holds the plaintext")
	}
	again, _ := c.Seal([]byte("secret value"))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same value are equal: nonce not random")
	}
	plain, err := c.Open(sealed)
	if err != nil || string(plain) != "secret value" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("open with another key: %v, want ErrOpen", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := c.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("open of a tampered value: %v, want ErrOpen", err)
	}
}

func TestParseKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, 32)
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"raw", key, true},
		{"hex", []byte(hex.EncodeToString(key) + "\n"), true},
		{"base64", []byte(base64.StdEncoding.EncodeToString(key)), true},
		{"short hex", []byte("abcd"), false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if tt.ok && (err != nil || !bytes.Equal(got, key)) {
				t.Fatalf("ParseKey = %x, %v", got, err)
			}
			if !tt.ok && !errors.Is(err, ErrBadKey) {
				t.Fatalf("ParseKey err = %v, want ErrBadKey", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Setenv(EnvKey, "")
	if c, err := Load(""); c != nil || err != nil {
		t.Fatalf("Load without key = %v, %v; want nil, nil", c, err)
	}
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(NewKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(file); c == nil || err != nil {
		t.Fatalf("Load(file) = %v, %v", c, err)
	}
	t.Setenv(EnvKey, "not a key")
	if _, err := Load(""); !errors.Is(err, ErrBadKey) {
		t.Fatalf("Load with a bad env key: %v", err)
	}
}
