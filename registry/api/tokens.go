package api

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Role is what a token may do: readers read everything but credentials, editors also
// write, see (redacted) credentials and resolve, admins also reveal credential values.
type Role int

// Roles, weakest first.
const (
	RoleReader Role = iota + 1
	RoleEditor
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleReader:
		return "reader"
	case RoleEditor:
		return "editor"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// ParseRole reads "reader", "editor" or "admin".
func ParseRole(s string) (Role, error) {
	switch s {
	case "reader":
		return RoleReader, nil
	case "editor":
		return RoleEditor, nil
	case "admin":
		return RoleAdmin, nil
	}
	return 0, fmt.Errorf("%w: unknown role %q (want reader, editor or admin)", ErrBadTokens, s)
}

// Principal is who a token belongs to.
type Principal struct {
	Name string
	Role Role
}

// MinTokenLength is the shortest token accepted.
const MinTokenLength = 16

// Tokens maps bearer tokens (kept only as SHA-256 digests) to principals.
type Tokens struct {
	byDigest map[[32]byte]Principal
}

// NewTokens returns an empty token set.
func NewTokens() *Tokens { return &Tokens{byDigest: map[[32]byte]Principal{}} }

// Add adds a token.
func (t *Tokens) Add(token string, p Principal) error {
	if len(token) < MinTokenLength {
		return fmt.Errorf("%w: token of %q is shorter than %d characters", ErrBadTokens, p.Name, MinTokenLength)
	}
	t.byDigest[sha256.Sum256([]byte(token))] = p
	return nil
}

// Len is the number of tokens.
func (t *Tokens) Len() int { return len(t.byDigest) }

// Lookup returns the token's principal.
func (t *Tokens) Lookup(token string) (Principal, bool) {
	p, ok := t.byDigest[sha256.Sum256([]byte(token))]
	return p, ok
}

// ParseTokens reads a tokens file: one "token,name,role" per line; blank lines and
// lines starting with # are ignored.
func ParseTokens(r io.Reader) (*Tokens, error) {
	t := NewTokens()
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ",")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%w: line %d: want token,name,role", ErrBadTokens, n)
		}
		role, err := ParseRole(strings.TrimSpace(parts[2]))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		name := strings.TrimSpace(parts[1])
		if name == "" {
			return nil, fmt.Errorf("%w: line %d: empty name", ErrBadTokens, n)
		}
		if err := t.Add(strings.TrimSpace(parts[0]), Principal{Name: name, Role: role}); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading tokens: %w", err)
	}
	if t.Len() == 0 {
		return nil, fmt.Errorf("%w: no tokens", ErrBadTokens)
	}
	return t, nil
}

// NewToken returns a random token (64 hex characters).
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
