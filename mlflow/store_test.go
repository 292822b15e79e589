package mlflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }

// storeUnderTest gives a fresh, empty store and describes how its URIs begin.
type storeUnderTest func(t *testing.T) (s Store, uriPrefix string)

func stores() map[string]storeUnderTest {
	return map[string]storeUnderTest{
		"file": func(t *testing.T) (Store, string) {
			dir := t.TempDir()
			s, err := NewFileStore(dir)
			require.NoError(t, err)
			return s, "file://" + filepath.ToSlash(dir) + "/"
		},
		"s3": func(t *testing.T) (Store, string) {
			srv := testserver.StartMinIO(t)
			bucket := srv.NewBucket(t)
			cfg, err := S3ConfigFromEnv(func(k string) string { return srv.Env()[k] })
			require.NoError(t, err)
			s, err := NewS3Store(cfg, bucket)
			require.NoError(t, err)
			return s, "s3://" + bucket + "/"
		},
	}
}

// TestStoreBehaviour runs the same behaviour tests against both stores.
func TestStoreBehaviour(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			t.Run("empty and missing folders list nothing", func(t *testing.T) {
				s, _ := open(t)
				objs, err := s.List(ctx, "models/none")
				require.NoError(t, err)
				assert.Empty(t, objs)
			})

			t.Run("write, stat, read, list", func(t *testing.T) {
				s, uri := open(t)
				files := map[string]string{
					"models/m1/MLmodel":           "flavors: {sklearn: {pickled_model: model.pkl}}\n",
					"models/m1/model.pkl":         "pickle bytes",
					"models/m1/data/a/b.bin":      strings.Repeat("x", 1000),
					"models/m10/MLmodel":          "a sibling whose name shares the prefix",
					"models/m1-other/not-in-list": "neither",
				}
				for k, v := range files {
					info, err := s.Write(ctx, k, []byte(v))
					require.NoError(t, err, k)
					assert.Equal(t, k, info.Key)
					assert.Equal(t, int64(len(v)), info.Size)
					assert.NotEmpty(t, info.ETag)
				}
				objs, err := s.List(ctx, "models/m1")
				require.NoError(t, err)
				var keys []string
				for _, o := range objs {
					keys = append(keys, o.Key)
					assert.Equal(t, int64(len(files[o.Key])), o.Size, o.Key)
					assert.NotEmpty(t, o.ETag, o.Key)
					assert.False(t, o.LastModified.IsZero(), o.Key)
				}
				assert.Equal(t, []string{"models/m1/MLmodel", "models/m1/data/a/b.bin", "models/m1/model.pkl"}, keys)

				all, err := s.List(ctx, "")
				require.NoError(t, err)
				assert.Len(t, all, len(files))

				st, err := s.Stat(ctx, "models/m1/data/a/b.bin")
				require.NoError(t, err)
				assert.Equal(t, int64(1000), st.Size)
				assert.Equal(t, objs[1].ETag, st.ETag)

				data, err := s.Read(ctx, "models/m1/model.pkl", 1024)
				require.NoError(t, err)
				assert.Equal(t, "pickle bytes", string(data))

				_, err = s.Read(ctx, "models/m1/data/a/b.bin", 999)
				var tooLarge *TooLargeError
				require.ErrorAs(t, err, &tooLarge)
				assert.Equal(t, int64(1000), tooLarge.Size)

				m, err := ReadMLmodel(ctx, s, "models/m1")
				require.NoError(t, err)
				assert.Equal(t, "model.pkl", m.Flavors.Sklearn.PickledModel)
				assert.Equal(t, uri+"models/m1/MLmodel", s.URI("models/m1/MLmodel"))
			})

			t.Run("write replaces", func(t *testing.T) {
				s, _ := open(t)
				first, err := s.Write(ctx, "k/v.txt", []byte("one"))
				require.NoError(t, err)
				second, err := s.Write(ctx, "k/v.txt", []byte("two!"))
				require.NoError(t, err)
				assert.NotEqual(t, first.ETag, second.ETag)
				data, err := s.Read(ctx, "k/v.txt", 10)
				require.NoError(t, err)
				assert.Equal(t, "two!", string(data))
			})

			t.Run("copy", func(t *testing.T) {
				s, _ := open(t)
				src, err := s.Write(ctx, "m/model.pkl", []byte("the model"))
				require.NoError(t, err)
				got, err := s.Copy(ctx, src, "m/seldon/sklearn/model.joblib")
				require.NoError(t, err)
				assert.Equal(t, "m/seldon/sklearn/model.joblib", got.Key)
				assert.Equal(t, src.Size, got.Size)
				assert.Equal(t, src.ETag, got.ETag, "a single-part copy keeps the content's ETag")
				data, err := s.Read(ctx, "m/seldon/sklearn/model.joblib", 100)
				require.NoError(t, err)
				assert.Equal(t, "the model", string(data))

				// A copy by key alone works too.
				_, err = s.Copy(ctx, ObjectInfo{Key: "m/model.pkl"}, "m/copy2")
				require.NoError(t, err)

				// The source changed since it was listed: the copy is refused.
				stale := src
				_, err = s.Write(ctx, "m/model.pkl", []byte("a newer model"))
				require.NoError(t, err)
				_, err = s.Copy(ctx, stale, "m/seldon/other")
				require.ErrorIs(t, err, ErrSourceChanged)
				_, err = s.Stat(ctx, "m/seldon/other")
				require.ErrorIs(t, err, ErrNotFound, "a refused copy leaves no target")

				_, err = s.Copy(ctx, ObjectInfo{Key: "m/missing", Size: 3, ETag: "abc"}, "m/x")
				require.ErrorIs(t, err, ErrNotFound)
			})

			t.Run("not found", func(t *testing.T) {
				s, _ := open(t)
				_, err := s.Stat(ctx, "nope/MLmodel")
				require.ErrorIs(t, err, ErrNotFound)
				_, err = s.Read(ctx, "nope/MLmodel", 10)
				require.ErrorIs(t, err, ErrNotFound)
				_, err = ReadMLmodel(ctx, s, "nope")
				require.ErrorIs(t, err, ErrNotFound)
				assert.Contains(t, err.Error(), "reading MLmodel from "+s.URI("nope/MLmodel"))
			})

			t.Run("delete", func(t *testing.T) {
				s, _ := open(t)
				_, err := s.Write(ctx, "d/x", []byte("x"))
				require.NoError(t, err)
				require.NoError(t, s.Delete(ctx, "d/x"))
				_, err = s.Stat(ctx, "d/x")
				require.ErrorIs(t, err, ErrNotFound)
				require.NoError(t, s.Delete(ctx, "d/x"), "deleting a missing object is not an error")
			})

			t.Run("invalid MLmodel in the store", func(t *testing.T) {
				s, _ := open(t)
				_, err := s.Write(ctx, "bad/MLmodel", []byte("flavors: {}\n"))
				require.NoError(t, err)
				_, err = ReadMLmodel(ctx, s, "bad")
				require.ErrorIs(t, err, ErrInvalidMLmodel)
			})
		})
	}
}

func TestFileStoreRefusesEscapes(t *testing.T) {
	root := t.TempDir()
	s, err := NewFileStore(filepath.Join(root, "store"))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = s.Write(ctx, "../outside", []byte("x"))
	require.Error(t, err)
	_, err = os.Stat(filepath.Join(root, "outside"))
	assert.True(t, errors.Is(err, os.ErrNotExist), "nothing written outside the root")
	_, err = s.Read(ctx, "a/../../etc/passwd", 100)
	require.Error(t, err)
	_, err = s.List(ctx, "..")
	require.Error(t, err)
}

func TestS3Config(t *testing.T) {
	env := map[string]string{
		"MLFLOW_S3_ENDPOINT_URL": "http://minio.fuseml.svc:9000",
		"AWS_ACCESS_KEY_ID":      "AKIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":  "very-secret-value",
		"AWS_REGION":             "eu-west-1",
		"MLFLOW_S3_IGNORE_TLS":   "true",
	}
	cfg, err := S3ConfigFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", cfg.Region, "AWS_REGION is the fallback of AWS_DEFAULT_REGION")
	assert.True(t, cfg.IgnoreTLS)
	for _, printed := range []string{cfg.String(), cfg.GoString(), cfg.LogValue().String()} {
		assert.NotContains(t, printed, "very-secret-value")
	}
	host, secure, err := cfg.endpoint()
	require.NoError(t, err)
	assert.Equal(t, "minio.fuseml.svc:9000", host)
	assert.False(t, secure)

	env["MLFLOW_S3_IGNORE_TLS"] = "perhaps"
	_, err = S3ConfigFromEnv(func(k string) string { return env[k] })
	assert.EqualError(t, err, `MLFLOW_S3_IGNORE_TLS="perhaps": expected true or false`)

	bad := map[string]string{
		"http://user:pa55word@minio:9000": "MLFLOW_S3_ENDPOINT_URL: must not hold credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
		"ftp://minio:21":                  "MLFLOW_S3_ENDPOINT_URL ftp://minio:21: expected an http:// or https:// URL",
		"http://minio:9000/bucket":        "MLFLOW_S3_ENDPOINT_URL http://minio:9000/bucket: an endpoint has no path",
	}
	for endpoint, want := range bad {
		_, err := NewS3Store(S3Config{Endpoint: endpoint}, "models")
		assert.EqualError(t, err, want)
		assert.NotContains(t, err.Error(), "pa55word")
	}

	// An endpoint holding credentials is refused, but the step logs its configuration
	// (at debug level) before it opens the store: printing redacts them.
	for endpoint, want := range map[string]string{
		"http://user:pa55word@minio:9000": "http://***@minio:9000",
		"pa55word@minio:9000":             "***@minio:9000",
		"http://pa55word@minio:9000":      "http://***@minio:9000",
		"http://user:pa55 word@minio":     "(not a URL)",
		"http://minio:9000/?a=b@c":        "http://minio:9000/?a=b@c",
	} {
		cfg := S3Config{Endpoint: endpoint}
		assert.Equal(t, want, redactEndpoint(endpoint), endpoint)
		for _, printed := range []string{cfg.String(), cfg.GoString(), cfg.LogValue().String()} {
			assert.NotContains(t, printed, "pa55", endpoint)
		}
	}
	_, err = NewS3Store(S3Config{Endpoint: "minio:9000"}, "Bad_Bucket")
	assert.EqualError(t, err, `bucket name "Bad_Bucket" may hold only lowercase letters, digits, dots and hyphens`)

	_, err = NewS3Store(S3Config{CABundle: filepath.Join(t.TempDir(), "missing.pem")}, "models")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AWS_CA_BUNDLE: reading ")
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	_, err = NewS3Store(S3Config{CABundle: notPEM}, "models")
	assert.EqualError(t, err, "AWS_CA_BUNDLE: "+notPEM+" holds no PEM certificate")
	// The machine's own bundle, as AWS_CA_BUNDLE often names it, is accepted.
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		_, err = NewS3Store(S3Config{CABundle: "/etc/ssl/certs/ca-certificates.crt"}, "models")
		assert.NoError(t, err)
	}
}

func TestS3WrongCredentials(t *testing.T) {
	srv := testserver.StartMinIO(t)
	bucket := srv.NewBucket(t)
	s, err := NewS3Store(S3Config{Endpoint: srv.Endpoint, AccessKeyID: srv.AccessKey, SecretAccessKey: "wrong-secret-value"}, bucket)
	require.NoError(t, err)
	_, err = s.List(context.Background(), "models")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "wrong-secret-value")
	assert.Contains(t, err.Error(), "listing s3://"+bucket+"/models")
}

func TestOpenStore(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "m"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m", "MLmodel"), readFixture(t, "onnx-mlflow2"), 0o644))
	u, err := ParseModelURI("file://" + filepath.ToSlash(dir) + "/m/")
	require.NoError(t, err)
	s, key, err := OpenStore(u, S3Config{})
	require.NoError(t, err)
	m, err := ReadMLmodel(context.Background(), s, key)
	require.NoError(t, err)
	p, err := Detect(m)
	require.NoError(t, err)
	assert.Equal(t, Triton, p)

	s3u, err := ParseModelURI("s3://mlflow-artifacts/1/abc/artifacts/model")
	require.NoError(t, err)
	s, key, err = OpenStore(s3u, S3Config{Endpoint: "http://127.0.0.1:1"})
	require.NoError(t, err)
	assert.Equal(t, "1/abc/artifacts/model", key)
	assert.Equal(t, "s3://mlflow-artifacts/1/abc/artifacts/model/MLmodel", s.URI(key+"/MLmodel"))
}

// TestS3MultipartCopy runs the multipart path of Copy (used above 5 GiB) on a 10 MiB object
// by lowering the threshold, and checks the copy's content byte for byte.
func TestS3MultipartCopy(t *testing.T) {
	srv := testserver.StartMinIO(t)
	bucket := srv.NewBucket(t)
	s, err := NewS3Store(S3Config{Endpoint: srv.Endpoint, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}, bucket)
	require.NoError(t, err)
	s.multipartAbove, s.partSize = 5<<20, 5<<20
	ctx := context.Background()
	data := make([]byte, 10<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	src, err := s.Write(ctx, "big/variables.data", data)
	require.NoError(t, err)
	got, err := s.Copy(ctx, src, "big/copy")
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(got.ETag, "-2"), "a two-part copy: ETag %q", got.ETag)
	back, err := s.Read(ctx, "big/copy", 11<<20)
	require.NoError(t, err)
	assert.True(t, string(back) == string(data), "the copy holds the same bytes")
}
