package mlflow

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

func multipartStore(t *testing.T) *S3Store {
	t.Helper()
	srv := testserver.StartMinIO(t)
	env := srv.Env()
	cfg, err := S3ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewS3Store(cfg, srv.NewBucket(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCopyMultipart(t *testing.T) {
	ctx := context.Background()
	s := multipartStore(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), (12<<20)/16+3) // 12 MiB and 48 bytes
	src, err := s.Write(ctx, "m/big", data)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		opts      MultipartCopyOptions
		wantParts string
	}{
		{"5 MiB parts", MultipartCopyOptions{PartSize: 5 << 20, Workers: 2}, "-3"},
		{"parts below S3's minimum are raised to 5 MiB", MultipartCopyOptions{PartSize: 1 << 20, Workers: 8}, "-3"},
		{"one part", MultipartCopyOptions{}, "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.CopyMultipart(ctx, src, "m/copy", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(info.ETag, tt.wantParts) || info.Size != src.Size {
				t.Errorf("copy %+v; want %d bytes and an ETag ending %s", info, src.Size, tt.wantParts)
			}
			got, err := s.Read(ctx, "m/copy", 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("the copy's %d bytes differ from the source's %d", len(got), len(data))
			}
		})
	}

	t.Run("empty object", func(t *testing.T) {
		empty, err := s.Write(ctx, "m/empty", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CopyMultipart(ctx, empty, "m/empty-copy", MultipartCopyOptions{}); err != nil {
			t.Fatal(err)
		}
		if st, err := s.Stat(ctx, "m/empty-copy"); err != nil || st.Size != 0 {
			t.Errorf("stat = %+v, %v", st, err)
		}
	})

	t.Run("changed source fails and leaves nothing", func(t *testing.T) {
		old := src
		if _, err := s.Write(ctx, "m/big", data[:11<<20]); err != nil {
			t.Fatal(err)
		}
		_, err := s.CopyMultipart(ctx, old, "m/never", MultipartCopyOptions{PartSize: 5 << 20})
		if !errors.Is(err, ErrSourceChanged) {
			t.Fatalf("err = %v; want ErrSourceChanged", err)
		}
		if _, err := s.Stat(ctx, "m/never"); !errors.Is(err, ErrNotFound) {
			t.Errorf("target after a failed copy: %v; want not found", err)
		}
		uploads, err := (minioCore{s}).incompleteUploads(ctx, "m/never")
		if err != nil || uploads != 0 {
			t.Errorf("%d unfinished uploads (%v); want the failed one aborted", uploads, err)
		}
	})

	t.Run("missing source", func(t *testing.T) {
		_, err := s.CopyMultipart(ctx, ObjectInfo{Key: "m/none"}, "m/x", MultipartCopyOptions{})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v; want ErrNotFound", err)
		}
	})
}

// minioCore reaches the multipart uploads the Store API does not show.
type minioCore struct{ s *S3Store }

func (c minioCore) incompleteUploads(ctx context.Context, key string) (int, error) {
	n := 0
	for u := range c.s.client.ListIncompleteUploads(ctx, c.s.bucket, key, true) {
		if u.Err != nil {
			return 0, u.Err
		}
		n++
	}
	return n, nil
}

func TestSourcePartSize(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		src  ObjectInfo
		want int64
		ok   bool
	}{
		{"single part upload", ObjectInfo{Size: 100 * mib, ETag: "d41d8cd98f00b204e9800998ecf8427e"}, 0, false},
		{"boto3, 8 MiB parts", ObjectInfo{Size: 1 << 30, ETag: "abc-128"}, 8 * mib, true},
		{"minio-go, 16 MiB parts", ObjectInfo{Size: 1 << 30, ETag: "abc-64"}, 16 * mib, true},
		{"64 MiB parts", ObjectInfo{Size: 1 << 30, ETag: "abc-16"}, 64 * mib, true},
		{"last part short", ObjectInfo{Size: 20 * mib, ETag: "abc-3"}, 8 * mib, true},
		{"one part", ObjectInfo{Size: 3 * mib, ETag: "abc-1"}, 8 * mib, true},
		{"no common size fits", ObjectInfo{Size: 1 << 30, ETag: "abc-7"}, 0, false},
		{"not a number", ObjectInfo{Size: 1 << 30, ETag: "abc-x"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := sourcePartSize(tt.src)
			if got != tt.want || ok != tt.ok {
				t.Errorf("sourcePartSize(%+v) = %d, %t; want %d, %t", tt.src, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCopyMultipartKeepsETag(t *testing.T) {
	ctx := context.Background()
	s := multipartStore(t)
	data := bytes.Repeat([]byte("fuseml"), (11<<20)/6)
	_, err := s.client.PutObject(ctx, s.bucket, "m/parts", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.Stat(ctx, "m/parts")
	if err != nil || !strings.HasSuffix(src.ETag, "-3") {
		t.Fatalf("source %+v, %v; want three parts", src, err)
	}
	for _, keep := range []bool{true, false} {
		info, err := s.CopyMultipart(ctx, src, "m/copy", MultipartCopyOptions{PartSize: 64 << 20, KeepETag: keep})
		if err != nil {
			t.Fatal(err)
		}
		if (info.ETag == src.ETag) != keep {
			t.Errorf("KeepETag %t: copy ETag %s, source %s", keep, info.ETag, src.ETag)
		}
	}
}
