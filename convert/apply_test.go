package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/mlflow"
)

func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }

// storeKind opens a fresh, empty store of one kind for a test.
type storeKind struct {
	name string
	open func(t testing.TB) mlflow.Store
}

func storeKinds() []storeKind {
	return []storeKind{
		{"file", func(t testing.TB) mlflow.Store {
			s, err := mlflow.NewFileStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"minio", openMinIO},
	}
}

func openMinIO(t testing.TB) mlflow.Store {
	cfg, srv := minioConfig(t)
	s, err := mlflow.NewS3Store(cfg, srv.NewBucket(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// minioConfig returns the shared MinIO server and the S3 configuration that reaches it.
func minioConfig(t testing.TB) (mlflow.S3Config, *testserver.MinIO) {
	srv := testserver.StartMinIO(t)
	env := srv.Env()
	cfg, err := mlflow.S3ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg, srv
}

// countingStore counts the calls that change the store, and fails copies once failAfter
// of them have started (when failAfter > 0).
type countingStore struct {
	mlflow.Store
	copies, writes, deletes, lists, reads atomic.Int64
	failAfter                             int64
}

var errInjected = errors.New("injected copy failure")

func (s *countingStore) Copy(ctx context.Context, src mlflow.ObjectInfo, dst string) (mlflow.ObjectInfo, error) {
	if n := s.copies.Add(1); s.failAfter > 0 && n > s.failAfter {
		return mlflow.ObjectInfo{}, errInjected
	}
	return s.Store.Copy(ctx, src, dst)
}

func (s *countingStore) Write(ctx context.Context, key string, data []byte) (mlflow.ObjectInfo, error) {
	s.writes.Add(1)
	return s.Store.Write(ctx, key, data)
}

func (s *countingStore) Delete(ctx context.Context, key string) error {
	s.deletes.Add(1)
	return s.Store.Delete(ctx, key)
}

func (s *countingStore) List(ctx context.Context, dir string) ([]mlflow.ObjectInfo, error) {
	s.lists.Add(1)
	return s.Store.List(ctx, dir)
}

func (s *countingStore) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	s.reads.Add(1)
	return s.Store.Read(ctx, key, max)
}

// countingMultipartStore also counts (and passes on) multipart copies.
type countingMultipartStore struct {
	*countingStore
	multipart atomic.Int64
}

func (s *countingMultipartStore) CopyMultipart(ctx context.Context, src mlflow.ObjectInfo, dst string, opts mlflow.MultipartCopyOptions) (mlflow.ObjectInfo, error) {
	if n := s.copies.Add(1); s.failAfter > 0 && n > s.failAfter {
		return mlflow.ObjectInfo{}, errInjected
	}
	s.multipart.Add(1)
	return s.Store.(MultipartCopier).CopyMultipart(ctx, src, dst, opts)
}

type counter interface {
	mlflow.Store
	counts() (copies, writes, deletes int64)
}

func (s *countingStore) listCount() int64 { return s.lists.Load() }

func (s *countingStore) counts() (int64, int64, int64) {
	return s.copies.Load(), s.writes.Load(), s.deletes.Load()
}

func counting(s mlflow.Store, failAfter int64) counter {
	c := &countingStore{Store: s, failAfter: failAfter}
	if _, ok := s.(MultipartCopier); ok {
		return &countingMultipartStore{countingStore: c}
	}
	return c
}

// content gives deterministic bytes for a key, of the given size.
func content(key string, size int64, generation int) []byte {
	seed := []byte(fmt.Sprintf("%s#%d|", key, generation))
	out := make([]byte, size)
	for i := range out {
		out[i] = seed[i%len(seed)]
	}
	return out
}

// putModel writes a fixture's model folder into the store, files capped at maxSize.
func putModel(t testing.TB, s mlflow.Store, fx fixture, modelFile []byte, maxSize int64) {
	t.Helper()
	ctx := context.Background()
	for _, o := range fx.objects {
		if strings.Contains(o.Key, "/"+ConvertedDir+"/") {
			continue
		}
		data := content(o.Key, min(o.Size, maxSize), 0)
		if strings.HasSuffix(o.Key, "/MLmodel") {
			data = modelFile
		}
		if _, err := s.Write(ctx, o.Key, data); err != nil {
			t.Fatal(err)
		}
	}
}

// planFor lists the model folder and plans it.
func planFor(t testing.TB, s mlflow.Store, dir string, pred mlflow.Predictor, api API) *Plan {
	t.Helper()
	p, _ := planListed(t, s, dir, pred, api)
	return p
}

// planListed lists the model folder and plans it, returning the listing too.
func planListed(t testing.TB, s mlflow.Store, dir string, pred mlflow.Predictor, api API) (*Plan, []mlflow.ObjectInfo) {
	t.Helper()
	ctx := context.Background()
	m, err := mlflow.ReadMLmodel(ctx, s, dir)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := s.List(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(Request{Model: m, Dir: dir, Objects: objs, Predictor: pred, App: "app", API: api, DirURI: s.URI(dir)})
	if err != nil {
		t.Fatal(err)
	}
	return p, objs
}

// checkLayout lists the converted root and checks that it holds exactly the plan's
// targets and the manifest, each copy with its source's bytes and each generated file
// with the plan's bytes.
func checkLayout(t testing.TB, s mlflow.Store, p *Plan) {
	t.Helper()
	ctx := context.Background()
	objs, err := s.List(ctx, p.Root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	want := append(p.Targets(), p.ManifestKey())
	sort.Strings(want)
	if d := lineDiff(strings.Join(want, "\n"), strings.Join(got, "\n")); d != "" {
		t.Fatalf("the converted folder differs from the plan:\n%s", d)
	}
	read := func(key string) []byte {
		data, err := s.Read(ctx, key, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, c := range p.Copies {
		if !bytes.Equal(read(c.Source), read(c.Target)) {
			t.Errorf("%s does not hold the bytes of %s", c.Target, c.Source)
		}
	}
	for _, f := range p.Files {
		if got := string(read(f.Target)); got != f.Content {
			t.Errorf("%s holds\n%s\nwant\n%s", f.Target, got, f.Content)
		}
	}
	var m Manifest
	if err := json.Unmarshal(read(p.ManifestKey()), &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(m.Sources) != len(p.Copies) || m.ToolVersion == "" {
		t.Errorf("manifest has %d sources and version %q; want %d and a version", len(m.Sources), m.ToolVersion, len(p.Copies))
	}
}

func fixtureByName(t testing.TB, name string) (fixture, []byte) {
	t.Helper()
	for _, fx := range readFixtures(t.(*testing.T)) {
		if fx.name == name {
			data, err := os.ReadFile("testdata/models/" + name + "/MLmodel")
			if err != nil {
				t.Fatal(err)
			}
			return fx, data
		}
	}
	t.Fatalf("no fixture %s", name)
	return fixture{}, nil
}

type applyCase struct {
	fixture string
	pred    mlflow.Predictor
	api     API
}

var applyCases = []applyCase{
	{"sklearn-mlflow2", mlflow.Sklearn, V1},
	{"sklearn-mlflow2", mlflow.Sklearn, V2},
	{"tensorflow-keras-savedmodel", mlflow.TensorFlow, V1},
	{"tensorflow-tf2module", mlflow.Triton, V1},
	{"tensorflow-tf2module", mlflow.TensorFlow, V2},
	{"onnx-external-data", mlflow.Triton, V1},
	{"onnx", mlflow.Triton, V2},
	{"xgboost-json", mlflow.XGBoost, V2},
}

// TestApplyLayout applies plans and checks the converted folder is exactly the plan's;
// a second run on unchanged sources copies, writes and deletes nothing.
func TestApplyLayout(t *testing.T) {
	for _, kind := range storeKinds() {
		for _, tc := range applyCases {
			t.Run(fmt.Sprintf("%s/%s/%s-%s", kind.name, tc.fixture, tc.pred, tc.api), func(t *testing.T) {
				ctx := context.Background()
				s := kind.open(t)
				fx, mlmodel := fixtureByName(t, tc.fixture)
				putModel(t, s, fx, mlmodel, 64<<10)
				dir := fixtureDir(fx.name)
				p := planFor(t, s, dir, tc.pred, tc.api)

				cs := counting(s, 0)
				var last Progress
				res, err := Apply(ctx, cs, p, Options{Progress: func(pr Progress) { last = pr }})
				if err != nil {
					t.Fatal(err)
				}
				checkLayout(t, s, p)
				if res.Copied != len(p.Copies) || res.Written != len(p.Files) || res.UpToDate {
					t.Errorf("first run: %+v; want %d copies and %d files", res, len(p.Copies), len(p.Files))
				}
				if last.Files != last.TotalFiles || last.Bytes != p.Bytes() || last.TotalFiles != len(p.Copies)+len(p.Files) {
					t.Errorf("last progress %+v; want all of %d files and %d bytes", last, len(p.Copies)+len(p.Files), p.Bytes())
				}

				// Rerun: plan again from a fresh listing (which now holds seldon/), apply,
				// once listing the root and once reusing the model folder's listing.
				p2, listing := planListed(t, s, dir, tc.pred, tc.api)
				for _, opts := range []Options{{}, {Listing: listing}} {
					cs2 := counting(s, 0).(interface {
						counter
						listCount() int64
					})
					res, err = Apply(ctx, cs2, p2, opts)
					if err != nil {
						t.Fatal(err)
					}
					if c, w, d := cs2.counts(); c+w+d != 0 || !res.UpToDate {
						t.Errorf("rerun: %d copies, %d writes, %d deletes, result %+v; want nothing done", c, w, d, res)
					}
					if wantLists := int64(1); opts.Listing != nil && cs2.listCount() != 0 || opts.Listing == nil && cs2.listCount() != wantLists {
						t.Errorf("rerun with listing %t: %d listings", opts.Listing != nil, cs2.listCount())
					}
				}
				checkLayout(t, s, p2)
			})
		}
	}
}

// TestApplyChangedSource changes one source and removes another: the rerun re-copies
// only the changed one and removes the target the plan no longer has.
func TestApplyChangedSource(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			s := kind.open(t)
			fx, mlmodel := fixtureByName(t, "tensorflow-keras-savedmodel")
			putModel(t, s, fx, mlmodel, 64<<10)
			dir := fixtureDir(fx.name)
			p := planFor(t, s, dir, mlflow.TensorFlow, V1)
			if _, err := Apply(ctx, s, p, Options{}); err != nil {
				t.Fatal(err)
			}

			changed := dir + "/data/model/variables/variables.index"
			if _, err := s.Write(ctx, changed, content(changed, 5000, 1)); err != nil {
				t.Fatal(err)
			}
			removed := dir + "/data/model/fingerprint.pb"
			if err := s.Delete(ctx, removed); err != nil {
				t.Fatal(err)
			}
			p2 := planFor(t, s, dir, mlflow.TensorFlow, V1)
			cs := counting(s, 0)
			res, err := Apply(ctx, cs, p2, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, s, p2)
			stale := p.Root + "/1/fingerprint.pb"
			if _, err := s.Stat(ctx, stale); !errors.Is(err, mlflow.ErrNotFound) {
				t.Errorf("stale target %s: %v; want it removed", stale, err)
			}
			copies, _, deletes := cs.counts()
			if copies != 1 || res.Copied != 1 || res.Skipped != len(p2.Copies)-1 || res.Deleted != 1 || deletes != 2 {
				t.Errorf("rerun after a change: %d copies, %d deletes (stale and manifest), result %+v; want 1 copy, 2 deletes", copies, deletes, res)
			}
		})
	}
}

// TestApplyInterrupted fails a run after some copies: it leaves no manifest, and the
// next run completes the layout, copying only what is missing.
func TestApplyInterrupted(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			s := kind.open(t)
			fx, mlmodel := fixtureByName(t, "tensorflow-keras-savedmodel")
			putModel(t, s, fx, mlmodel, 64<<10)
			dir := fixtureDir(fx.name)
			p := planFor(t, s, dir, mlflow.Triton, V1)

			failing := counting(s, 2)
			_, err := Apply(ctx, failing, p, Options{Workers: 1})
			if !errors.Is(err, errInjected) {
				t.Fatalf("interrupted run: %v; want the injected failure", err)
			}
			if _, err := s.Stat(ctx, p.ManifestKey()); !errors.Is(err, mlflow.ErrNotFound) {
				t.Fatalf("manifest after a failed run: %v; want none", err)
			}

			cs := counting(s, 0)
			res, err := Apply(ctx, cs, planFor(t, s, dir, mlflow.Triton, V1), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, s, p)
			if copies, _, _ := cs.counts(); copies != int64(len(p.Copies)-2) || res.Skipped != 2 {
				t.Errorf("completing run: %d copies, result %+v; want %d copies and 2 skipped", copies, res, len(p.Copies)-2)
			}
		})
	}
}

// TestApplySourceChangedDuringCopy: a source that no longer has the listed ETag fails the
// copy rather than converting a mix of old and new files.
func TestApplySourceChangedDuringCopy(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			s := kind.open(t)
			fx, mlmodel := fixtureByName(t, "sklearn-mlflow2")
			putModel(t, s, fx, mlmodel, 64<<10)
			dir := fixtureDir(fx.name)
			p := planFor(t, s, dir, mlflow.Sklearn, V1)
			if _, err := s.Write(ctx, dir+"/model.pkl", []byte("retrained")); err != nil {
				t.Fatal(err)
			}
			_, err := Apply(ctx, s, p, Options{})
			if !errors.Is(err, mlflow.ErrSourceChanged) {
				t.Fatalf("Apply = %v; want ErrSourceChanged", err)
			}
		})
	}
}

// TestApplyMultipart copies a large object in parallel parts on MinIO; a later change of
// another source does not re-copy it (its multipart ETag is known from the manifest).
func TestApplyMultipart(t *testing.T) {
	ctx := context.Background()
	s := openMinIO(t)
	fx, mlmodel := fixtureByName(t, "onnx-external-data")
	putModel(t, s, fx, mlmodel, 13<<20)
	dir := fixtureDir(fx.name)
	p := planFor(t, s, dir, mlflow.Triton, V1)
	opts := Options{MultipartThreshold: 8 << 20, PartSize: 5 << 20, PartWorkers: 3}

	cs := counting(s, 0).(*countingMultipartStore)
	res, err := Apply(ctx, cs, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, s, p)
	if n := cs.multipart.Load(); n != 2 || res.Copied != 3 {
		t.Errorf("%d multipart copies, result %+v; want the two 13 MiB data files in parts", n, res)
	}
	info, err := s.Stat(ctx, p.Root+"/app/1/model.onnx/model.onnx_data")
	if err != nil || !strings.HasSuffix(info.ETag, "-3") {
		t.Errorf("multipart target %+v, %v; want a 3-part ETag", info, err)
	}

	changed := dir + "/model.onnx"
	if _, err := s.Write(ctx, changed, content(changed, 1000, 1)); err != nil {
		t.Fatal(err)
	}
	cs2 := counting(s, 0).(*countingMultipartStore)
	p2 := planFor(t, s, dir, mlflow.Triton, V1)
	res, err = Apply(ctx, cs2, p2, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, s, p2)
	if n := cs2.multipart.Load(); n != 0 || res.Copied != 1 || res.Skipped != 2 {
		t.Errorf("after changing model.onnx: %d multipart copies, result %+v; want only model.onnx copied", n, res)
	}

	// A source changed under a multipart copy fails it and leaves no object.
	big := dir + "/onnx__MatMul_4012"
	src, err := s.Stat(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, big, content(big, 9<<20, 2)); err != nil {
		t.Fatal(err)
	}
	mc := s.(MultipartCopier)
	_, err = mc.CopyMultipart(ctx, src, dir+"/copy", mlflow.MultipartCopyOptions{PartSize: 5 << 20})
	if !errors.Is(err, mlflow.ErrSourceChanged) {
		t.Errorf("multipart copy of a changed source: %v; want ErrSourceChanged", err)
	}
	if _, err := s.Stat(ctx, dir+"/copy"); !errors.Is(err, mlflow.ErrNotFound) {
		t.Errorf("target of a failed multipart copy: %v; want none", err)
	}
}

// TestApplyNoRoot: the mlflow server loads the model folder; Apply does nothing.
func TestApplyNoRoot(t *testing.T) {
	s := counting(mustFileStore(t), 0)
	res, err := Apply(context.Background(), s, &Plan{Predictor: mlflow.MLflow}, Options{})
	if err != nil || !res.UpToDate {
		t.Fatalf("Apply = %+v, %v", res, err)
	}
	if c, w, d := s.counts(); c+w+d != 0 {
		t.Errorf("%d copies, %d writes, %d deletes; want none", c, w, d)
	}
}

func mustFileStore(t testing.TB) mlflow.Store {
	s, err := mlflow.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLogProgressThrottles(t *testing.T) {
	var buf bytes.Buffer
	log := slogTo(&buf)
	report := LogProgress(log, time.Hour)
	for i := 1; i <= 10; i++ {
		report(Progress{Files: i, TotalFiles: 10, Bytes: int64(i) << 20, TotalBytes: 10 << 20})
	}
	if n := strings.Count(buf.String(), "converting"); n != 2 {
		t.Errorf("logged %d lines; want the first and the last:\n%s", n, buf.String())
	}
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestApplyInterruptedMultipart: sources uploaded in parts (as MLflow's boto3 uploads
// large files) are copied with the same parts, so their copies keep the source's ETag,
// and a run interrupted after them skips them next time although it wrote no manifest.
func TestApplyInterruptedMultipart(t *testing.T) {
	ctx := context.Background()
	s := openMinIO(t).(*mlflow.S3Store)
	fx, mlmodel := fixtureByName(t, "onnx-external-data")
	putModel(t, s, fx, mlmodel, 1000)
	dir := fixtureDir(fx.name)
	for _, name := range []string{"model.onnx_data", "onnx__MatMul_4012"} {
		key := dir + "/" + name
		data := content(key, 11<<20, 0)
		_, err := s.Client().PutObject(ctx, s.Bucket(), key, bytes.NewReader(data), int64(len(data)),
			minio.PutObjectOptions{PartSize: 5 << 20})
		if err != nil {
			t.Fatal(err)
		}
	}
	p := planFor(t, s, dir, mlflow.Triton, V1)
	opts := Options{Workers: 1, MultipartThreshold: 8 << 20}

	failing := counting(s, 2).(*countingMultipartStore)
	if _, err := Apply(ctx, failing, p, opts); !errors.Is(err, errInjected) {
		t.Fatalf("interrupted run: %v; want the injected failure", err)
	}
	if n := failing.multipart.Load(); n != 2 {
		t.Fatalf("%d multipart copies before the failure; want the two data files", n)
	}
	for _, c := range p.Copies[1:] {
		info, err := s.Stat(ctx, c.Target)
		if err != nil || info.ETag != c.ETag {
			t.Errorf("target %s: %+v, %v; want the source's ETag %s", c.Target, info, err, c.ETag)
		}
	}

	cs := counting(s, 0).(*countingMultipartStore)
	res, err := Apply(ctx, cs, planFor(t, s, dir, mlflow.Triton, V1), opts)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, s, p)
	if n := cs.multipart.Load(); n != 0 || res.Copied != 1 || res.Skipped != 2 {
		t.Errorf("completing run: %d multipart copies, result %+v; want the data files skipped", n, res)
	}
}

// TestApplyCanceled: a canceled context stops the copies and leaves no manifest.
func TestApplyCanceled(t *testing.T) {
	s := mustFileStore(t)
	fx, mlmodel := fixtureByName(t, "tensorflow-keras-savedmodel")
	putModel(t, s, fx, mlmodel, 64<<10)
	p := planFor(t, s, fixtureDir(fx.name), mlflow.TensorFlow, V1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Apply(ctx, s, p, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply = %v; want context.Canceled", err)
	}
	if _, err := s.Stat(context.Background(), p.ManifestKey()); !errors.Is(err, mlflow.ErrNotFound) {
		t.Errorf("manifest after a canceled run: %v; want none", err)
	}
}
