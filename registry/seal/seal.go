// Package seal encrypts the registry's credentials at rest with AES-256-GCM.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// EnvKey is the environment variable that may hold the key (hex or base64).
const EnvKey = "FUSEML_REGISTRY_ENCRYPTION_KEY"

// AESGCM seals with AES-256-GCM; each sealed value is a random nonce followed by the
// ciphertext and its tag.
type AESGCM struct {
	aead cipher.AEAD
}

// New returns an AESGCM for a 32-byte key.
func New(key []byte) (*AESGCM, error) {
	if len(key) != 32 {
		return nil, ErrBadKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("creating the cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("creating the cipher: %w", err)
	}
	return &AESGCM{aead: aead}, nil
}

// ParseKey reads a key written as 64 hex characters, as base64 of 32 bytes, or as 32
// raw bytes (surrounding white space ignored for the text forms).
func ParseKey(b []byte) ([]byte, error) {
	if len(b) == 32 {
		return b, nil
	}
	s := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(s); err == nil && len(k) == 32 {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, ErrBadKey
}

// Load returns the cipher for the key in file, or else in the EnvKey variable, or nil
// when neither is given.
func Load(file string) (*AESGCM, error) {
	var raw []byte
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading the encryption key: %w", err)
		}
		raw = b
	case os.Getenv(EnvKey) != "":
		raw = []byte(os.Getenv(EnvKey))
	default:
		return nil, nil
	}
	key, err := ParseKey(raw)
	if err != nil {
		return nil, err
	}
	return New(key)
}

// NewKey returns a random key in hex, for a key file.
func NewKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return hex.EncodeToString(k)
}

// Seal encrypts plaintext.
func (c *AESGCM) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plaintext)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return c.aead.Seal(nonce, nonce, plaintext, nil), nil
}

// Open decrypts a value that Seal returned.
func (c *AESGCM) Open(sealed []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < n+c.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := c.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
