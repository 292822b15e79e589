package store

import "errors"

// ErrWrongKey is returned by Open when the encryption key does not open the
// credentials already stored.
var ErrWrongKey = errors.New("the encryption key does not match the one the database was written with")

// ErrKeyRequired is returned by Open without an encryption key when the database was
// written with one.
var ErrKeyRequired = errors.New("the database holds encrypted credentials: an encryption key is required")

// ErrUnsupportedURL is returned by Open for a database URL that is not postgres://.
var ErrUnsupportedURL = errors.New("unsupported database URL (want postgres:// or postgresql://)")
