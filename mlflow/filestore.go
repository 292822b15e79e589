package mlflow

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileStore is a Store over a local folder: MLflow's default ./mlruns store, or any folder
// of models. Copies are file copies; writes are atomic (a temporary file renamed).
type FileStore struct {
	root string
}

var _ Store = (*FileStore)(nil)

// NewFileStore returns a store rooted at the folder root; keys are paths relative to it.
func NewFileStore(root string) (*FileStore, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("local store %s: %w", root, err)
	}
	return &FileStore{root: abs}, nil
}

// Root returns the absolute folder the store is rooted at.
func (s *FileStore) Root() string { return s.root }

// URI implements Store.
func (s *FileStore) URI(key string) string {
	return "file://" + filepath.ToSlash(s.path(key))
}

func (s *FileStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(strings.TrimPrefix(key, "/")))
}

// checkKey refuses keys that would leave the store's root.
func (s *FileStore) checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("empty object key")
	}
	return checkKeyPath(strings.Trim(key, "/"))
}

// List implements Store.
func (s *FileStore) List(ctx context.Context, dir string) ([]ObjectInfo, error) {
	if err := checkKeyPath(strings.Trim(dir, "/")); err != nil {
		return nil, fmt.Errorf("listing %s: %w", s.URI(dir), err)
	}
	base := s.path(dir)
	var out []ObjectInfo
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == base {
				return fs.SkipAll
			}
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".tmp-fuseml-") {
			return nil // an unfinished write of ours
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		info, err := s.stat(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		out = append(out, info)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", s.URI(dir), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Stat implements Store.
func (s *FileStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := s.checkKey(key); err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", s.URI(key), err)
	}
	info, err := s.stat(key)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", s.URI(key), err)
	}
	return info, nil
}

func (s *FileStore) stat(key string) (ObjectInfo, error) {
	p := s.path(key)
	fi, err := os.Stat(p)
	if err != nil {
		return ObjectInfo{}, notFound(err)
	}
	if !fi.Mode().IsRegular() {
		return ObjectInfo{}, fmt.Errorf("%w: not a regular file", ErrNotFound)
	}
	etag, err := fileMD5(p)
	if err != nil {
		return ObjectInfo{}, notFound(err)
	}
	return ObjectInfo{Key: strings.Trim(key, "/"), Size: fi.Size(), ETag: etag, LastModified: fi.ModTime().UTC()}, nil
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func fileMD5(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Read implements Store.
func (s *FileStore) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	if err := s.checkKey(key); err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), err)
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), notFound(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: %w: not a regular file", s.URI(key), ErrNotFound)
	}
	if fi.Size() > max {
		return nil, &TooLargeError{URI: s.URI(key), Size: fi.Size(), Max: max}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), err)
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{URI: s.URI(key), Size: int64(len(data)), Max: max}
	}
	return data, nil
}

// Write implements Store.
func (s *FileStore) Write(ctx context.Context, key string, data []byte) (ObjectInfo, error) {
	if err := s.checkKey(key); err != nil {
		return ObjectInfo{}, fmt.Errorf("writing %s: %w", s.URI(key), err)
	}
	err := s.atomically(key, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("writing %s: %w", s.URI(key), err)
	}
	return s.stat(key)
}

// Copy implements Store.
func (s *FileStore) Copy(ctx context.Context, src ObjectInfo, dst string) (ObjectInfo, error) {
	if err := s.checkKey(src.Key); err != nil {
		return ObjectInfo{}, fmt.Errorf("copying %s: %w", s.URI(src.Key), err)
	}
	if err := s.checkKey(dst); err != nil {
		return ObjectInfo{}, fmt.Errorf("copying to %s: %w", s.URI(dst), err)
	}
	in, err := os.Open(s.path(src.Key))
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("copying %s: %w", s.URI(src.Key), notFound(err))
	}
	defer in.Close()
	h := md5.New()
	err = s.atomically(dst, func(w io.Writer) error {
		if _, err := io.Copy(io.MultiWriter(w, h), readerWithContext{ctx, in}); err != nil {
			return err
		}
		if src.ETag != "" && hex.EncodeToString(h.Sum(nil)) != src.ETag {
			return fmt.Errorf("%w: its ETag is no longer %s", ErrSourceChanged, src.ETag)
		}
		return nil
	})
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("copying %s to %s: %w", s.URI(src.Key), s.URI(dst), err)
	}
	return s.stat(dst)
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(key); err != nil {
		return fmt.Errorf("deleting %s: %w", s.URI(key), err)
	}
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting %s: %w", s.URI(key), err)
	}
	return nil
}

// atomically writes a file through a temporary file in the same folder, renamed into
// place once complete, so that a reader never sees half a file.
func (s *FileStore) atomically(key string, write func(io.Writer) error) error {
	p := s.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-fuseml-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

type readerWithContext struct {
	ctx context.Context
	r   io.Reader
}

func (r readerWithContext) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
