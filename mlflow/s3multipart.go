package mlflow

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// DefaultCopyPartSize is the part size of CopyMultipart when the caller gives none.
const DefaultCopyPartSize = 64 << 20

// Limits S3 puts on multipart uploads.
const (
	minCopyPartSize = 5 << 20
	maxCopyParts    = 10000
)

// MultipartCopyOptions tunes CopyMultipart.
type MultipartCopyOptions struct {
	// PartSize is the size of each part copy (DefaultCopyPartSize when 0). It is raised as
	// needed to keep within S3's 10,000 parts, and to at least 5 MiB.
	PartSize int64
	// Workers is how many part copies run at once (4 when 0).
	Workers int
	// KeepETag asks for the copy to get the source's ETag when the source was itself
	// uploaded in parts (an ETag "<md5>-<parts>"): the part size is then the one the
	// common uploaders use (8 MiB for boto3 and the AWS CLI, 16 MiB for minio-go, 10 MiB
	// for MLflow's own multipart upload, 5 MiB, 64 MiB) that gives the same number of parts,
	// and equal ETags then mean equal content. When no such size fits, PartSize is used.
	KeepETag bool
}

// uploaderPartSizes are the part sizes of the common S3 uploaders, most common first.
var uploaderPartSizes = []int64{8 << 20, 16 << 20, 10 << 20, 5 << 20, 64 << 20, 100 << 20, 128 << 20}

// sourcePartSize guesses the part size the source was uploaded with, from its ETag's
// part count; ok is false when the ETag is not a multipart one or no common size fits.
func sourcePartSize(src ObjectInfo) (size int64, ok bool) {
	_, count, found := strings.Cut(src.ETag, "-")
	if !found {
		return 0, false
	}
	n, err := strconv.ParseInt(count, 10, 64)
	if err != nil || n < 1 {
		return 0, false
	}
	for _, p := range uploaderPartSizes {
		if (src.Size+p-1)/p == n {
			return p, true
		}
	}
	return 0, false
}

// CopyMultipart copies src to dst inside the bucket as a multipart upload whose parts are
// server-side part copies (UploadPartCopy) run in parallel. When src.ETag is set every
// part copy requires it (else ErrSourceChanged). On any failure the upload is aborted, so
// no partial object and no orphaned parts are left. The copy's ETag is a multipart ETag
// ("<md5>-<parts>"), not the source's.
func (s *S3Store) CopyMultipart(ctx context.Context, src ObjectInfo, dst string, opts MultipartCopyOptions) (ObjectInfo, error) {
	if src.Size == 0 && src.ETag == "" {
		st, err := s.Stat(ctx, src.Key)
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("copying %s: %w", s.URI(src.Key), err)
		}
		src = st
	}
	if src.Size == 0 {
		return s.Copy(ctx, src, dst)
	}
	partSize := opts.PartSize
	if partSize <= 0 {
		partSize = DefaultCopyPartSize
	}
	if opts.KeepETag {
		if p, ok := sourcePartSize(src); ok {
			partSize = p
		}
	}
	if partSize < minCopyPartSize {
		partSize = minCopyPartSize
	}
	if n := (src.Size + partSize - 1) / partSize; n > maxCopyParts {
		partSize = (src.Size + maxCopyParts - 1) / maxCopyParts
	}
	if partSize > MaxSingleCopySize {
		partSize = MaxSingleCopySize
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = 4
	}
	nparts := int((src.Size + partSize - 1) / partSize)

	fail := func(err error) (ObjectInfo, error) {
		return ObjectInfo{}, fmt.Errorf("copying %s to %s in %d parts: %w", s.URI(src.Key), s.URI(dst), nparts, s3Error(err))
	}
	core := minio.Core{Client: s.client}
	uploadID, err := core.NewMultipartUpload(ctx, s.bucket, dst, minio.PutObjectOptions{ContentType: contentType(dst)})
	if err != nil {
		return fail(err)
	}
	var headers map[string]string
	if src.ETag != "" {
		headers = map[string]string{"x-amz-copy-source-if-match": src.ETag}
	}

	parts := make([]minio.CompletePart, nparts)
	partCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for w := 0; w < min(workers, nparts); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				start := int64(i) * partSize
				length := min(partSize, src.Size-start)
				p, err := core.CopyObjectPart(partCtx, s.bucket, src.Key, s.bucket, dst, uploadID, i+1, start, length, headers)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					continue
				}
				parts[i] = minio.CompletePart{PartNumber: p.PartNumber, ETag: p.ETag}
			}
		}()
	}
feed:
	for i := 0; i < nparts; i++ {
		select {
		case next <- i:
		case <-partCtx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		abort(core, s.bucket, dst, uploadID)
		return fail(firstErr)
	}
	info, err := core.CompleteMultipartUpload(ctx, s.bucket, dst, uploadID, parts, minio.PutObjectOptions{})
	if err != nil {
		abort(core, s.bucket, dst, uploadID)
		return fail(err)
	}
	return ObjectInfo{Key: dst, Size: src.Size, ETag: info.ETag, LastModified: info.LastModified}, nil
}

// abort drops an unfinished multipart upload, on a fresh context since the caller's may
// be the reason for aborting.
func abort(core minio.Core, bucket, key, uploadID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A failed abort leaves parts that S3 lifecycle rules expire; nothing more to do here.
	_ = core.AbortMultipartUpload(ctx, bucket, key, uploadID)
}
