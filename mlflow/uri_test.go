package mlflow

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseModelURI(t *testing.T) {
	good := []struct {
		in   string
		want ModelURI
		back string
	}{
		{"s3://mlflow-artifacts/0/abc/artifacts/model", ModelURI{SchemeS3, "mlflow-artifacts", "0/abc/artifacts/model"}, "s3://mlflow-artifacts/0/abc/artifacts/model"},
		{"s3://bucket/prefix/", ModelURI{SchemeS3, "bucket", "prefix"}, "s3://bucket/prefix"},
		{"s3://bucket", ModelURI{SchemeS3, "bucket", ""}, "s3://bucket"},
		{" S3://my.bucket-1/x ", ModelURI{SchemeS3, "my.bucket-1", "x"}, "s3://my.bucket-1/x"},
		{"s3a://bucket/m", ModelURI{SchemeS3, "bucket", "m"}, "s3://bucket/m"},
		{"file:///tmp/mlruns/0/abc/artifacts/model", ModelURI{SchemeFile, "", "/tmp/mlruns/0/abc/artifacts/model"}, "file:///tmp/mlruns/0/abc/artifacts/model"},
		{"file://localhost/srv/models//m/", ModelURI{SchemeFile, "", "/srv/models/m"}, "file:///srv/models/m"},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseModelURI(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.back, got.String())
		})
	}
	bad := map[string]string{
		"":                                 "invalid model URI: empty; expected s3://bucket/path or file:///path",
		"gs://bucket/model":                `invalid model URI "gs://bucket/model": scheme "gs" is not supported; expected s3:// (S3 or an S3-compatible store such as MinIO) or file:// (MLflow's local store)`,
		"runs:/abc/model":                  `invalid model URI "runs:/abc/model": expected s3://bucket/path or file:///path`,
		"/tmp/model":                       `invalid model URI "/tmp/model": a bare path; write it as file:///tmp/model`,
		"s3://":                            `invalid model URI "s3://": no bucket name`,
		"s3://ab/model":                    `invalid model URI "s3://ab/model": bucket name "ab" must be 3 to 63 characters long`,
		"s3://My_Bucket/model":             `invalid model URI "s3://My_Bucket/model": bucket name "My_Bucket" may hold only lowercase letters, digits, dots and hyphens`,
		"s3://-bucket/model":               `invalid model URI "s3://-bucket/model": bucket name "-bucket" must begin and end with a letter or digit`,
		"s3://192.168.1.1/model":           `invalid model URI "s3://192.168.1.1/model": bucket name "192.168.1.1" may not be an IP address`,
		"s3://a..b/model":                  `invalid model URI "s3://a..b/model": bucket name "a..b" may not hold two adjacent dots`,
		"s3://xn--bucket/model":            `invalid model URI "s3://xn--bucket/model": bucket name "xn--bucket" uses a prefix or suffix that S3 reserves`,
		"s3://bucket/a/../../etc":          `invalid model URI "s3://bucket/a/../../etc": the path may not hold ".." segments`,
		"file://server/share/model":        `invalid model URI "file://server/share/model": file URIs name a local path (file:///path), not host "server"`,
		"file:/relative":                   `invalid model URI "file:/relative": expected s3://bucket/path or file:///path`,
		"file:///srv/../etc/model":         `invalid model URI "file:///srv/../etc/model": the path may not hold ".." segments`,
		"wasbs://c@a.blob/model":           `invalid model URI "wasbs://c@a.blob/model": scheme "wasbs" is not supported; expected s3:// (S3 or an S3-compatible store such as MinIO) or file:// (MLflow's local store)`,
		"s3://" + string(make([]byte, 64)): "",
	}
	for in, want := range bad {
		_, err := ParseModelURI(in)
		require.ErrorIs(t, err, ErrInvalidURI, "%q", in)
		if want != "" {
			assert.EqualError(t, err, want)
		}
	}
}

func TestModelURIJoin(t *testing.T) {
	u, err := ParseModelURI("s3://bkt/m")
	require.NoError(t, err)
	assert.Equal(t, "s3://bkt/m/seldon/sklearn", u.Join("seldon/sklearn").String())
	f, err := ParseModelURI("file:///tmp/m")
	require.NoError(t, err)
	assert.Equal(t, "file:///tmp/m/seldon/triton", f.Join("/seldon/triton/").String())
	root, err := ParseModelURI("s3://bucket")
	require.NoError(t, err)
	assert.Equal(t, "s3://bucket/seldon", root.Join("seldon").String())
}
