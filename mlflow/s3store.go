package mlflow

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MaxSingleCopySize is the largest object S3 copies in one CopyObject request; larger
// objects are copied in parts (multipart copy).
const MaxSingleCopySize = 5 << 30

// S3Config says how to reach an S3 or S3-compatible store. Build it with S3ConfigFromEnv
// from the variables MLflow and the AWS tools read. Its String and LogValue redact the
// secret key, so it may be printed or logged.
type S3Config struct {
	// Endpoint is the URL of an S3-compatible store such as MinIO (MLFLOW_S3_ENDPOINT_URL),
	// e.g. http://minio:9000. Empty means AWS S3.
	Endpoint string
	// AccessKeyID, SecretAccessKey and SessionToken are static credentials
	// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). Without an access key,
	// minio-go's standard chain is used: the AWS environment, ~/.aws/credentials, then the
	// instance or pod role.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Region is the bucket's region (AWS_DEFAULT_REGION, or AWS_REGION); empty lets the
	// client discover it.
	Region string
	// IgnoreTLS skips TLS certificate verification (MLFLOW_S3_IGNORE_TLS=true).
	IgnoreTLS bool
	// CABundle is a PEM file of certificate authorities trusted besides the system's
	// (AWS_CA_BUNDLE).
	CABundle string
	// ResponseTimeout bounds the wait for the headers of each answer, after which the
	// request is retried like a dropped one; minio-go's default (a minute) when 0. Not
	// read from the environment: a server-side copy of a large object answers late.
	ResponseTimeout time.Duration
}

// S3ConfigFromEnv reads an S3Config from the environment through getenv (os.Getenv in
// production). An unparsable MLFLOW_S3_IGNORE_TLS is an error naming the variable.
func S3ConfigFromEnv(getenv func(string) string) (S3Config, error) {
	c := S3Config{
		Endpoint:        strings.TrimSpace(getenv("MLFLOW_S3_ENDPOINT_URL")),
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Region:          getenv("AWS_DEFAULT_REGION"),
		CABundle:        getenv("AWS_CA_BUNDLE"),
	}
	if c.Region == "" {
		c.Region = getenv("AWS_REGION")
	}
	if v := strings.TrimSpace(getenv("MLFLOW_S3_IGNORE_TLS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return S3Config{}, fmt.Errorf("MLFLOW_S3_IGNORE_TLS=%q: expected true or false", v)
		}
		c.IgnoreTLS = b
	}
	return c, nil
}

// String describes the configuration without its secrets.
func (c S3Config) String() string {
	endpoint := redactEndpoint(c.Endpoint)
	if endpoint == "" {
		endpoint = "AWS S3"
	}
	creds := "default credential chain"
	if c.AccessKeyID != "" {
		creds = "access key " + c.AccessKeyID + ", secret key ***"
	}
	return fmt.Sprintf("endpoint %s, region %q, %s, ignore TLS %t", endpoint, c.Region, creds, c.IgnoreTLS)
}

// LogValue implements slog.LogValuer, leaving the secrets out.
func (c S3Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("endpoint", redactEndpoint(c.Endpoint)),
		slog.String("region", c.Region),
		slog.Bool("static_credentials", c.AccessKeyID != ""),
		slog.Bool("ignore_tls", c.IgnoreTLS),
		slog.String("ca_bundle", c.CABundle),
	)
}

// redactEndpoint is an endpoint fit to print: credentials written into it
// (http://KEY:SECRET@minio:9000, which endpoint refuses) become ***.
func redactEndpoint(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	full := raw
	if !strings.Contains(full, "://") {
		full = "https://" + full
	}
	u, err := url.Parse(full)
	if err != nil {
		return "(not a URL)"
	}
	if u.User == nil {
		return raw
	}
	u.User = nil
	out := strings.Replace(u.String(), "://", "://***@", 1)
	if full != raw {
		out = strings.TrimPrefix(out, "https://")
	}
	return out
}

// GoString keeps %#v from printing the secrets.
func (c S3Config) GoString() string { return "mlflow.S3Config{" + c.String() + "}" }

// endpoint splits Endpoint into the host minio-go wants and whether to use TLS.
func (c S3Config) endpoint() (host string, secure bool, err error) {
	if c.Endpoint == "" {
		return "s3.amazonaws.com", true, nil
	}
	raw := c.Endpoint
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false, fmt.Errorf("MLFLOW_S3_ENDPOINT_URL: not a URL; expected e.g. http://minio:9000")
	}
	if u.User != nil {
		return "", false, fmt.Errorf("MLFLOW_S3_ENDPOINT_URL: must not hold credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false, fmt.Errorf("MLFLOW_S3_ENDPOINT_URL %s://%s: expected an http:// or https:// URL", u.Scheme, u.Host)
	}
	if u.Host == "" {
		return "", false, fmt.Errorf("MLFLOW_S3_ENDPOINT_URL %q: no host", c.Endpoint)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return "", false, fmt.Errorf("MLFLOW_S3_ENDPOINT_URL %s://%s/%s: an endpoint has no path", u.Scheme, u.Host, p)
	}
	return u.Host, u.Scheme == "https", nil
}

func (c S3Config) transport(secure bool) (*http.Transport, error) {
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, err
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.CABundle != "" {
		pem, err := os.ReadFile(c.CABundle)
		if err != nil {
			return nil, fmt.Errorf("AWS_CA_BUNDLE: reading %s: %w", c.CABundle, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("AWS_CA_BUNDLE: %s holds no PEM certificate", c.CABundle)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if c.ResponseTimeout > 0 {
		tr.ResponseHeaderTimeout = c.ResponseTimeout
	}
	tr.TLSClientConfig.InsecureSkipVerify = c.IgnoreTLS //nolint:gosec // the user's explicit MLFLOW_S3_IGNORE_TLS
	return tr, nil
}

// S3Store is a Store over one S3 bucket, through minio-go. Copies are server-side.
// minio-go retries failed requests (connection errors, 5xx, SlowDown) with backoff.
type S3Store struct {
	client *minio.Client
	bucket string
	// multipartAbove is the size above which Copy copies in parts, and partSize the size of
	// those parts; S3's limits in production, smaller in tests.
	multipartAbove int64
	partSize       uint64
}

var _ Store = (*S3Store)(nil)

// NewS3Store returns a store over bucket. It makes no request.
func NewS3Store(cfg S3Config, bucket string) (*S3Store, error) {
	if err := CheckBucketName(bucket); err != nil {
		return nil, err
	}
	host, secure, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	tr, err := cfg.transport(secure)
	if err != nil {
		return nil, err
	}
	var creds *credentials.Credentials
	if cfg.AccessKeyID != "" {
		creds = credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{Client: &http.Client{Transport: tr}},
		})
	}
	client, err := minio.New(host, &minio.Options{
		Creds:     creds,
		Secure:    secure,
		Region:    cfg.Region,
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", host, err)
	}
	return &S3Store{client: client, bucket: bucket, multipartAbove: MaxSingleCopySize}, nil
}

// Client returns the underlying minio-go client, for operations beyond Store.
func (s *S3Store) Client() *minio.Client { return s.client }

// Bucket returns the store's bucket.
func (s *S3Store) Bucket() string { return s.bucket }

// URI implements Store.
func (s *S3Store) URI(key string) string {
	if key = strings.TrimPrefix(key, "/"); key == "" {
		return "s3://" + s.bucket
	}
	return "s3://" + s.bucket + "/" + key
}

// List implements Store.
func (s *S3Store) List(ctx context.Context, dir string) ([]ObjectInfo, error) {
	prefix := strings.Trim(dir, "/")
	if prefix != "" {
		prefix += "/"
	}
	var out []ObjectInfo
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.URI(dir), s3Error(o.Err))
		}
		if strings.HasSuffix(o.Key, "/") {
			continue // a folder marker, not an object
		}
		out = append(out, ObjectInfo{Key: o.Key, Size: o.Size, ETag: o.ETag, LastModified: o.LastModified})
	}
	return out, nil
}

// Stat implements Store.
func (s *S3Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	o, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", s.URI(key), s3Error(err))
	}
	return ObjectInfo{Key: o.Key, Size: o.Size, ETag: o.ETag, LastModified: o.LastModified}, nil
}

// Read implements Store.
func (s *S3Store) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), s3Error(err))
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), s3Error(err))
	}
	if info.Size > max {
		return nil, &TooLargeError{URI: s.URI(key), Size: info.Size, Max: max}
	}
	data, err := io.ReadAll(io.LimitReader(obj, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.URI(key), s3Error(err))
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{URI: s.URI(key), Size: int64(len(data)), Max: max}
	}
	return data, nil
}

// Write implements Store.
func (s *S3Store) Write(ctx context.Context, key string, data []byte) (ObjectInfo, error) {
	info, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType(key)})
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("writing %s: %w", s.URI(key), s3Error(err))
	}
	return ObjectInfo{Key: key, Size: int64(len(data)), ETag: info.ETag, LastModified: info.LastModified}, nil
}

// Copy implements Store: one server-side CopyObject, or a multipart copy (ComposeObject)
// for objects over MaxSingleCopySize.
func (s *S3Store) Copy(ctx context.Context, src ObjectInfo, dst string) (ObjectInfo, error) {
	if src.Size == 0 && src.ETag == "" {
		st, err := s.Stat(ctx, src.Key)
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("copying %s: %w", s.URI(src.Key), err)
		}
		src = st
	}
	from := minio.CopySrcOptions{Bucket: s.bucket, Object: src.Key, MatchETag: src.ETag}
	to := minio.CopyDestOptions{Bucket: s.bucket, Object: dst, PartSize: s.partSize}
	var (
		info minio.UploadInfo
		err  error
	)
	if src.Size > s.multipartAbove {
		info, err = s.client.ComposeObject(ctx, to, from)
	} else {
		info, err = s.client.CopyObject(ctx, to, from)
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("copying %s to %s: %w", s.URI(src.Key), s.URI(dst), s3Error(err))
	}
	return ObjectInfo{Key: dst, Size: src.Size, ETag: info.ETag, LastModified: info.LastModified}, nil
}

// Delete implements Store.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s3Error(err), ErrNotFound) {
			return nil
		}
		return fmt.Errorf("deleting %s: %w", s.URI(key), s3Error(err))
	}
	return nil
}

// s3Error maps S3's error codes onto this package's sentinels, keeping the original,
// and names S3's code and HTTP status, which minio-go's message leaves out.
func s3Error(err error) error {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NoSuchBucket", "NotFound":
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case "PreconditionFailed":
		return fmt.Errorf("%w: %w", ErrSourceChanged, err)
	case "":
		return err
	}
	if resp.StatusCode != 0 {
		return fmt.Errorf("S3 answered %s (HTTP %d): %w", resp.Code, resp.StatusCode, err)
	}
	return fmt.Errorf("S3 answered %s: %w", resp.Code, err)
}

func contentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".json"):
		return "application/json"
	case strings.HasSuffix(key, ".pbtxt"), strings.HasSuffix(key, ".txt"):
		return "text/plain"
	}
	return "application/octet-stream"
}

// OpenStore opens the store holding the model at u and returns it with the model's folder
// as a key in that store. S3 URIs use cfg; file URIs open the local file system.
func OpenStore(u ModelURI, cfg S3Config) (store Store, dir string, err error) {
	switch u.Scheme {
	case SchemeS3:
		s, err := NewS3Store(cfg, u.Bucket)
		if err != nil {
			return nil, "", err
		}
		return s, u.Path, nil
	case SchemeFile:
		s, err := NewFileStore("/")
		if err != nil {
			return nil, "", err
		}
		return s, strings.TrimPrefix(u.Path, "/"), nil
	}
	return nil, "", fmt.Errorf("%w: scheme %q", ErrInvalidURI, u.Scheme)
}
