package mlflow

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"
)

// URI schemes of the artifact stores this package reads.
const (
	SchemeS3   = "s3"
	SchemeFile = "file"
)

// ModelURI is the location of an MLflow model folder.
type ModelURI struct {
	// Scheme is SchemeS3 or SchemeFile.
	Scheme string
	// Bucket is the S3 bucket; empty for file URIs.
	Bucket string
	// Path is the folder: the key prefix inside the bucket for S3 (no leading or trailing
	// slash, "" for the bucket's root), an absolute, cleaned path for file URIs.
	Path string
}

// String gives the URI back in its canonical form.
func (u ModelURI) String() string {
	if u.Scheme == SchemeFile {
		return "file://" + u.Path
	}
	if u.Path == "" {
		return "s3://" + u.Bucket
	}
	return "s3://" + u.Bucket + "/" + u.Path
}

// Join gives the URI of a key relative to the model folder.
func (u ModelURI) Join(rel string) ModelURI {
	u.Path = JoinKey(u.Path, rel)
	if u.Scheme == SchemeFile && !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	return u
}

// ParseModelURI accepts s3://bucket/prefix and file:///absolute/path. Anything else (other
// schemes, bare paths, bucket names S3 would refuse, ".." in the path) wraps ErrInvalidURI
// with the reason.
func ParseModelURI(raw string) (ModelURI, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ModelURI{}, fmt.Errorf("%w: empty; expected s3://bucket/path or file:///path", ErrInvalidURI)
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found {
		if strings.HasPrefix(s, "/") {
			return ModelURI{}, fmt.Errorf("%w %q: a bare path; write it as file://%s", ErrInvalidURI, raw, s)
		}
		return ModelURI{}, fmt.Errorf("%w %q: expected s3://bucket/path or file:///path", ErrInvalidURI, raw)
	}
	switch strings.ToLower(scheme) {
	case SchemeS3, "s3a":
		bucket, key, _ := strings.Cut(rest, "/")
		if err := CheckBucketName(bucket); err != nil {
			return ModelURI{}, fmt.Errorf("%w %q: %w", ErrInvalidURI, raw, err)
		}
		key = strings.Trim(key, "/")
		if err := checkKeyPath(key); err != nil {
			return ModelURI{}, fmt.Errorf("%w %q: %w", ErrInvalidURI, raw, err)
		}
		return ModelURI{Scheme: SchemeS3, Bucket: bucket, Path: key}, nil
	case SchemeFile:
		u, err := url.Parse(s)
		if err != nil {
			return ModelURI{}, fmt.Errorf("%w %q: %w", ErrInvalidURI, raw, err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return ModelURI{}, fmt.Errorf("%w %q: file URIs name a local path (file:///path), not host %q", ErrInvalidURI, raw, u.Host)
		}
		if !strings.HasPrefix(u.Path, "/") {
			return ModelURI{}, fmt.Errorf("%w %q: the path must be absolute (file:///path)", ErrInvalidURI, raw)
		}
		if err := checkKeyPath(strings.TrimPrefix(u.Path, "/")); err != nil {
			return ModelURI{}, fmt.Errorf("%w %q: %w", ErrInvalidURI, raw, err)
		}
		p := path.Clean(u.Path)
		return ModelURI{Scheme: SchemeFile, Path: p}, nil
	default:
		return ModelURI{}, fmt.Errorf("%w %q: scheme %q is not supported; expected s3:// (S3 or an S3-compatible store such as MinIO) or file:// (MLflow's local store)",
			ErrInvalidURI, raw, scheme)
	}
}

func checkKeyPath(p string) error {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "." {
			return fmt.Errorf("the path may not hold %q segments", seg)
		}
	}
	if strings.ContainsRune(p, 0) {
		return fmt.Errorf("the path holds a NUL byte")
	}
	return nil
}

// CheckBucketName applies S3's bucket naming rules: 3 to 63 characters of lowercase
// letters, digits, dots and hyphens, beginning and ending with a letter or digit, no two
// adjacent dots, not an IP address, not beginning with xn-- or ending with -s3alias.
func CheckBucketName(b string) error {
	switch {
	case b == "":
		return fmt.Errorf("no bucket name")
	case len(b) < 3 || len(b) > 63:
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	case net.ParseIP(b) != nil:
		return fmt.Errorf("bucket name %q may not be an IP address", b)
	case strings.Contains(b, ".."):
		return fmt.Errorf("bucket name %q may not hold two adjacent dots", b)
	case strings.HasPrefix(b, "xn--") || strings.HasSuffix(b, "-s3alias") || strings.HasSuffix(b, "--ol-s3"):
		return fmt.Errorf("bucket name %q uses a prefix or suffix that S3 reserves", b)
	}
	for i, r := range b {
		alnum := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if !alnum && r != '.' && r != '-' {
			return fmt.Errorf("bucket name %q may hold only lowercase letters, digits, dots and hyphens", b)
		}
		if !alnum && (i == 0 || i == len(b)-1) {
			return fmt.Errorf("bucket name %q must begin and end with a letter or digit", b)
		}
	}
	return nil
}

// JoinKey joins slash-separated object key parts, ignoring empty ones and the slashes
// around each part.
func JoinKey(parts ...string) string {
	var nonEmpty []string
	for _, p := range parts {
		if p = strings.Trim(p, "/"); p != "" {
			nonEmpty = append(nonEmpty, p)
		}
	}
	return strings.Join(nonEmpty, "/")
}
