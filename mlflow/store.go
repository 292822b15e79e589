package mlflow

import (
	"context"
	"fmt"
	"time"
)

// ObjectInfo describes one object of a Store.
type ObjectInfo struct {
	// Key is the object's full key in the store, slash-separated.
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// ETag identifies the content: S3's ETag (the MD5 of single-part objects), or the MD5
	// of a local file. Equal ETags mean equal content within one store.
	ETag         string    `json:"etag"`
	LastModified time.Time `json:"last_modified"`
}

// Store is an artifact store holding MLflow models, sized for what the step needs. Keys
// are slash-separated and relative to the store's root (the bucket, or a local folder).
type Store interface {
	// List returns every object below the folder dir (recursively; "" is the whole
	// store), sorted by key. An empty or missing folder gives no objects and no error.
	List(ctx context.Context, dir string) ([]ObjectInfo, error)
	// Stat describes one object; a missing one wraps ErrNotFound.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Read returns the content of an object of at most max bytes; a larger one is refused
	// and a missing one wraps ErrNotFound.
	Read(ctx context.Context, key string, max int64) ([]byte, error)
	// Write stores a small object whole, replacing any object of that key.
	Write(ctx context.Context, key string, data []byte) (ObjectInfo, error)
	// Copy copies the object src (as listed or stat'ed) to dst inside the store, replacing
	// dst: a server-side copy on S3. When src.ETag is set the copy happens only if the
	// source still has that ETag (else ErrSourceChanged); a missing src wraps ErrNotFound.
	Copy(ctx context.Context, src ObjectInfo, dst string) (ObjectInfo, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// URI gives the URI of a key, such as s3://bucket/key or file:///root/key.
	URI(key string) string
}

// ReadMLmodel reads and parses the MLmodel file of the model folder dir in the store.
func ReadMLmodel(ctx context.Context, s Store, dir string) (*MLmodel, error) {
	key := JoinKey(dir, MLmodelFile)
	data, err := s.Read(ctx, key, MaxMLmodelSize)
	if err != nil {
		return nil, fmt.Errorf("reading MLmodel from %s: %w", s.URI(key), err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("reading MLmodel from %s: %w", s.URI(key), err)
	}
	return m, nil
}
