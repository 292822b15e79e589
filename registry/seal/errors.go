package seal

import "errors"

// ErrBadKey is returned for a key that is not 32 bytes (raw, hex or base64).
var ErrBadKey = errors.New("the encryption key must be 32 bytes: 64 hex characters, or 32 bytes in base64")

// ErrOpen is returned when a sealed value does not open with the key.
var ErrOpen = errors.New("sealed value does not open with this key")
