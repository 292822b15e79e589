package convert

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/mlflow"
)

const benchMLmodel = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.tensorflow
    python_version: 3.11.5
  tensorflow:
    model_type: tf2-module
    saved_model_dir: tf2model
mlflow_version: 2.12.1
`

// benchCase is one model folder of the report.
type benchCase struct {
	name  string
	dir   string
	files map[string]int64 // relative path -> size
	reps  int              // runs of each variant
}

// benchRow is one line of the report.
type benchRow struct {
	name                       string
	files                      int
	bytes                      int64
	baseline, ours, oursSingle time.Duration
	rerun                      time.Duration
	// CPU time MinIO spent on a baseline run and on one of ours (means of the runs).
	baselineCPU, oursCPU time.Duration
}

// BenchmarkConversion is the conversion report (`make bench`): against the real MinIO,
// (a) a 1 GiB SavedModel and (b) 400 files of 256 KiB, each converted by Apply, by a
// baseline of sequential server-side copies of the same objects, and by a rerun with
// nothing changed (listing, planning and Apply). It prints a table with the seconds and
// the ratios ours/baseline and rerun/first run.
func BenchmarkConversion(b *testing.B) {
	s := openMinIO(b)
	s3 := s.(*mlflow.S3Store)
	minioCPU = processCPU(findProcess(testserver.StartMinIO(b).Dir))
	ctx := context.Background()

	small := map[string]int64{"tf2model/saved_model.pb": 400 << 10, "tf2model/fingerprint.pb": 56, "tf2model/variables/variables.index": 12 << 10}
	a := benchCase{name: "(a) 1 GiB SavedModel", dir: "bench/a/model", reps: 2, files: map[string]int64{"tf2model/variables/variables.data-00000-of-00001": 1 << 30}}
	for k, v := range small {
		a.files[k] = v
	}
	bb := benchCase{name: "(b) 400 files of 256 KiB", dir: "bench/b/model", reps: 4, files: map[string]int64{"tf2model/saved_model.pb": 256 << 10}}
	for i := 1; i < 400; i++ {
		bb.files[fmt.Sprintf("tf2model/assets/shard-%03d.bin", i)] = 256 << 10
	}

	load := loadAverage()
	var rows []benchRow
	for i := 0; i < b.N; i++ {
		rows = rows[:0]
		for _, c := range []benchCase{a, bb} {
			rows = append(rows, runBenchCase(b, ctx, s3, c))
		}
	}
	printBenchReport(os.Stdout, rows, load+" before, "+loadAverage()+" after")
	for _, r := range rows {
		key := strings.Fields(r.name)[0]
		b.ReportMetric(r.ours.Seconds()/r.baseline.Seconds(), key+"-ours/baseline")
		b.ReportMetric(r.rerun.Seconds()/r.ours.Seconds(), key+"-rerun/first")
	}
}

func runBenchCase(b *testing.B, ctx context.Context, s *mlflow.S3Store, c benchCase) benchRow {
	b.Helper()
	b.StopTimer()
	defer removeAll(b, s, c.dir)
	uploadBench(b, ctx, s, c)

	plan := func() (*Plan, []mlflow.ObjectInfo) {
		m, err := mlflow.ReadMLmodel(ctx, s, c.dir)
		if err != nil {
			b.Fatal(err)
		}
		objs, err := s.List(ctx, c.dir)
		if err != nil {
			b.Fatal(err)
		}
		p, err := NewPlan(Request{Model: m, Dir: c.dir, Objects: objs, Predictor: mlflow.TensorFlow, App: "bench", API: V1, DirURI: s.URI(c.dir)})
		if err != nil {
			b.Fatal(err)
		}
		return p, objs
	}
	p, _ := plan()
	row := benchRow{name: c.name, files: len(p.Copies), bytes: p.Bytes()}

	// Each variant runs c.reps times in the order A B C C B A A B C ...; the report gives
	// each variant's mean, which this order makes fair when the machine or MinIO slows
	// down or speeds up steadily over the runs (MinIO does, as its disk fills). Every run writes to a fresh folder outside the
	// model folder (removed at the end, not between runs, so that no run pays for MinIO
	// deleting the previous one's objects), and dirty pages are flushed before each run.
	var folders []string
	defer func() {
		for _, f := range folders {
			removeAll(b, s, f)
		}
	}()
	moved := func(variant string) *Plan {
		folder := fmt.Sprintf("%s-%d", variant, len(folders))
		folders = append(folders, folder)
		q := *p
		q.Root = folder + "/" + p.Root
		q.Copies = nil
		for _, cp := range p.Copies {
			cp.Target = folder + "/" + cp.Target
			q.Copies = append(q.Copies, cp)
		}
		q.Files = nil
		return &q
	}
	// timed runs f, giving its wall time and the CPU time MinIO spent meanwhile.
	timed := func(f func()) (wall, cpu time.Duration) {
		flushDisk()
		cpu0 := minioCPU()
		start := time.Now()
		f()
		return time.Since(start), minioCPU() - cpu0
	}
	baseline := func() (time.Duration, time.Duration) {
		q := moved("baseline")
		return timed(func() {
			for _, cp := range q.Copies { // one CopyObject after the other
				if _, err := s.Copy(ctx, mlflow.ObjectInfo{Key: cp.Source, Size: cp.Size, ETag: cp.ETag}, cp.Target); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	apply := func(variant string, opts Options) func() (time.Duration, time.Duration) {
		return func() (time.Duration, time.Duration) {
			q := moved(variant)
			cs := counting(s, 0)
			return timed(func() {
				res, err := Apply(ctx, cs, q, opts)
				if err != nil {
					b.Fatal(err)
				}
				if res.Copied != len(q.Copies) {
					b.Fatalf("%s: %d copies made of %d", c.name, res.Copied, len(q.Copies))
				}
			})
		}
	}
	type variant struct {
		run      func() (time.Duration, time.Duration)
		out, cpu *time.Duration
	}
	variants := []variant{{baseline, &row.baseline, &row.baselineCPU}, {apply("ours", Options{}), &row.ours, &row.oursCPU}}
	if p.Bytes() >= DefaultMultipartThreshold {
		// Ours with multipart copies off: the comparison behind DefaultMultipartThreshold.
		variants = append(variants, variant{apply("single", Options{MultipartThreshold: -1}), &row.oursSingle, new(time.Duration)})
	}
	var order []int
	for r := range c.reps {
		for i := range variants {
			if r%2 == 1 {
				i = len(variants) - 1 - i
			}
			order = append(order, i)
		}
	}
	b.StartTimer()
	for _, i := range order {
		v := variants[i]
		d, cpu := v.run()
		*v.out += d / time.Duration(c.reps)
		*v.cpu += cpu / time.Duration(c.reps)
	}

	// Reruns with nothing changed, after a conversion into seldon/: read the MLmodel, list,
	// plan, apply.
	if _, err := Apply(ctx, s, p, Options{}); err != nil {
		b.Fatal(err)
	}
	for range 2 {
		flushDisk()
		cs := counting(s, 0)
		start := time.Now()
		q, listing := plan()
		res, err := Apply(ctx, cs, q, Options{Listing: listing})
		d := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if copies, writes, deletes := cs.counts(); copies+writes+deletes != 0 || !res.UpToDate {
			b.Fatalf("%s: the rerun made %d copies, %d writes, %d deletes", c.name, copies, writes, deletes)
		}
		row.rerun += d / 2
	}
	b.StopTimer()
	return row
}

// uploadBench writes the case's model folder, streaming each object from a generator, in
// 8 MiB parts as MLflow's boto3 uploads do.
func uploadBench(b *testing.B, ctx context.Context, s *mlflow.S3Store, c benchCase) {
	b.Helper()
	if _, err := s.Write(ctx, c.dir+"/MLmodel", []byte(benchMLmodel)); err != nil {
		b.Fatal(err)
	}
	var keys []string
	for k := range c.files {
		keys = append(keys, k)
	}
	err := parallel(ctx, 8, len(keys), func(ctx context.Context, i int) error {
		size := c.files[keys[i]]
		_, err := s.Client().PutObject(ctx, s.Bucket(), c.dir+"/"+keys[i], newPatternReader(size, uint64(i)), size,
			minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: 8 << 20, NumThreads: 4})
		return err
	})
	if err != nil {
		b.Fatalf("uploading %s: %v", c.name, err)
	}
}

// removeAll deletes every object under dir.
func removeAll(b *testing.B, s *mlflow.S3Store, dir string) {
	ctx := context.Background()
	objs, err := s.List(ctx, dir)
	if err != nil {
		b.Errorf("cleaning up %s: %v", dir, err)
		return
	}
	if err := parallel(ctx, 16, len(objs), func(ctx context.Context, i int) error { return s.Delete(ctx, objs[i].Key) }); err != nil {
		b.Errorf("cleaning up %s: %v", dir, err)
	}
}

// patternReader streams size bytes of a pseudo-random 1 MiB block, repeated, without
// holding the object in memory.
type patternReader struct {
	block []byte
	left  int64
	off   int
}

func newPatternReader(size int64, seed uint64) *patternReader {
	r := rand.New(rand.NewPCG(seed, 42))
	block := make([]byte, 1<<20)
	for i := 0; i < len(block); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			block[i+j] = byte(v >> (8 * j))
		}
	}
	return &patternReader{block: block, left: size}
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := copy(p, r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	r.left -= int64(n)
	return n, nil
}

// minioCPU reports the CPU time the MinIO server has used so far; 0 where unknown.
var minioCPU = func() time.Duration { return 0 }

// findProcess finds the process whose command line holds arg (Linux); 0 when none does.
func findProcess(arg string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(cmdline), arg) && strings.Contains(string(cmdline), "server") {
			return pid
		}
	}
	return 0
}

// processCPU returns a function reading the user and system CPU time of process pid
// from /proc (Linux, at the usual 100 clock ticks a second).
func processCPU(pid int) func() time.Duration {
	return func() time.Duration {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if pid == 0 || err != nil {
			return 0
		}
		// Fields after the command name (which may hold spaces) start at state, field 3.
		rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
		f := strings.Fields(rest)
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(utime+stime) * 10 * time.Millisecond
	}
}

// loadAverage reads the 1-minute load average (Linux), which says how much the other
// processes on the machine competed with MinIO for the CPUs.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(data))[0]
}

func printBenchReport(w io.Writer, rows []benchRow, load string) {
	fmt.Fprintf(w, "\nConversion report: MinIO on loopback, %d CPUs, %d copy workers, multipart copies from %d MiB in %d MiB parts (or the source's own parts), %d at once.\nSeconds are the mean of each variant's runs, (a) 2 and (b) 4, made in the order A B C C B A A B C ..., which cancels a steady drift; rerun (mean of 2) is reading the MLmodel, listing, planning and Apply.\nLoad average: %s.\n\n",
		runtime.NumCPU(), DefaultS3Workers, DefaultMultipartThreshold>>20, mlflow.DefaultCopyPartSize>>20, DefaultPartWorkers, load)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tfiles\tMiB\tbaseline s\tours s\tours, no multipart s\trerun s\tours/baseline\trerun/first\tMinIO CPU s, baseline/ours\t")
	for _, r := range rows {
		single := "-"
		if r.oursSingle > 0 {
			single = fmt.Sprintf("%.2f", r.oursSingle.Seconds())
		}
		cpu := "-"
		if r.baselineCPU > 0 {
			cpu = fmt.Sprintf("%.2f / %.2f", r.baselineCPU.Seconds(), r.oursCPU.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%s\t%.3f\t%.2f\t%.3f\t%s\t\n", r.name, r.files, r.bytes>>20,
			r.baseline.Seconds(), r.ours.Seconds(), single, r.rerun.Seconds(),
			r.ours.Seconds()/r.baseline.Seconds(), r.rerun.Seconds()/r.ours.Seconds(), cpu)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
