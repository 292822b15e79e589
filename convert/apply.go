package convert

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/openmodelops/fuseml-seldon/internal/version"
	"github.com/openmodelops/fuseml-seldon/mlflow"
)

// MultipartCopier is a Store that can copy a large object as parallel part copies;
// mlflow.S3Store is one. Apply uses it for copies of at least Options.MultipartThreshold.
type MultipartCopier interface {
	CopyMultipart(ctx context.Context, src mlflow.ObjectInfo, dst string, opts mlflow.MultipartCopyOptions) (mlflow.ObjectInfo, error)
}

// Defaults of Options.
const (
	// DefaultS3Workers is how many copies run at once on S3: server-side copies cost the
	// client a request each, so the pool is sized for request latency, not local CPUs.
	DefaultS3Workers = 16
	// DefaultWorkers is the pool size for other stores (local file copies).
	DefaultWorkers = 4
	// DefaultMultipartThreshold is the object size from which a copy is made in parallel
	// parts, where the store can (MultipartCopier).
	DefaultMultipartThreshold = 256 << 20
	// DefaultPartWorkers is how many part copies of one object run at once.
	DefaultPartWorkers = 8
)

// maxManifestSize bounds the manifest Apply reads back.
const maxManifestSize = 64 << 20

// Options tunes Apply. The zero value is usable: Apply fills in the defaults for the store.
type Options struct {
	// Workers is how many copies (and deletions) run at once; 0 means DefaultWorkersFor(store).
	Workers int
	// MultipartThreshold is the size from which a copy is split into parallel part copies
	// when the store is a MultipartCopier; 0 means DefaultMultipartThreshold, and a
	// negative value never splits.
	MultipartThreshold int64
	// PartSize is the size of a part copy; 0 means mlflow.DefaultCopyPartSize (64 MiB).
	PartSize int64
	// PartWorkers is how many part copies of one object run at once; 0 means
	// DefaultPartWorkers.
	PartWorkers int
	// Progress, when set, is called after each copy or file is done (skipped ones
	// included), one call at a time. LogProgress gives one that logs at most every few
	// seconds.
	Progress func(Progress)
	// ToolVersion is recorded in the manifest; "" means this build's version.
	ToolVersion string
	// Listing, when not nil, is a listing the caller already holds that covers the plan's
	// root: the Request's listing of the model folder does, since the converted root lies
	// inside it. Apply then takes the existing targets from it instead of listing the root
	// again, which saves a rerun one listing of every converted file.
	Listing []mlflow.ObjectInfo
}

// DefaultWorkersFor sizes the copy pool for a store: DefaultS3Workers for S3 (any
// MultipartCopier), DefaultWorkers otherwise.
func DefaultWorkersFor(s mlflow.Store) int {
	if _, ok := s.(MultipartCopier); ok {
		return DefaultS3Workers
	}
	return DefaultWorkers
}

// Progress says how far Apply is: files (copies and generated files) and bytes done of
// the totals. Skipped files count as done.
type Progress struct {
	Files      int   `json:"files"`
	TotalFiles int   `json:"total_files"`
	Bytes      int64 `json:"bytes"`
	TotalBytes int64 `json:"total_bytes"`
}

// Result says what Apply did.
type Result struct {
	// UpToDate is true when the manifest matched the plan and every target was in place:
	// nothing was copied, written or deleted.
	UpToDate bool `json:"up_to_date"`
	// Copied and Skipped count the plan's copies made and those whose target already
	// held the content; CopiedBytes is the size of the copies made.
	Copied      int   `json:"copied"`
	Skipped     int   `json:"skipped"`
	CopiedBytes int64 `json:"copied_bytes"`
	// Written counts the generated files written (unchanged ones are not rewritten).
	Written int `json:"written"`
	// Deleted counts the stale targets removed: objects under the root that the plan
	// no longer has.
	Deleted int `json:"deleted"`
}

// Manifest is written last to <root>/.conversion.json, once every copy and file of the
// plan is in place. It records what the conversion was made from and what it wrote.
type Manifest struct {
	ToolVersion string `json:"tool_version"`
	// Sources are the copied objects as they were listed (key, ETag, size).
	Sources []ManifestObject `json:"sources"`
	// Targets are the objects written, with the ETags the store gave them (a multipart
	// copy's ETag differs from its source's).
	Targets []ManifestObject `json:"targets"`
	Plan    *Plan            `json:"plan"`
}

// ManifestObject is one object in a Manifest.
type ManifestObject struct {
	Key  string `json:"key"`
	ETag string `json:"etag"`
	Size int64  `json:"size"`
	// Source is, for a copy's target, the key of the object it was copied from.
	Source string `json:"source,omitempty"`
	// SourceETag is the ETag that source had.
	SourceETag string `json:"source_etag,omitempty"`
}

// Apply carries the plan out on the store:
//
//  1. When <root>/.conversion.json holds this very plan (same sources with the same ETags
//     and sizes, same targets and files) and every target it records is in place, it
//     returns at once with UpToDate set: a rerun only lists and compares.
//  2. Otherwise it removes that manifest, copies in parallel (server-side) every source
//     whose target does not already hold its content, writes the generated files that
//     differ, and removes the objects under the root that the plan no longer has.
//  3. Only when all of that succeeded does it write the manifest.
//
// A run that fails half way leaves no manifest, and the next run redoes what is missing.
// A source that changes during the copy fails it (mlflow.ErrSourceChanged).
func Apply(ctx context.Context, store mlflow.Store, plan *Plan, opts Options) (Result, error) {
	var res Result
	if plan.Root == "" {
		return Result{UpToDate: true}, nil // the server loads the model folder as it is
	}
	opts = opts.withDefaults(store)
	mkey := plan.ManifestKey()
	wrap := func(step string, err error) error {
		return fmt.Errorf("converting %s for %s: %s: %w", store.URI(plan.Root), plan.Server, step, err)
	}

	existing, err := listRoot(ctx, store, plan.Root, opts.Listing)
	if err != nil {
		return res, wrap("listing the converted folder", err)
	}
	have := make(map[string]mlflow.ObjectInfo, len(existing))
	for _, o := range existing {
		have[o.Key] = o
	}
	old := readManifest(ctx, store, mkey, have)
	if old != nil && upToDate(old, plan, have) {
		if opts.Progress != nil {
			n := len(plan.Copies) + len(plan.Files)
			opts.Progress(Progress{Files: n, TotalFiles: n, Bytes: plan.Bytes(), TotalBytes: plan.Bytes()})
		}
		return Result{UpToDate: true}, nil
	}
	if _, ok := have[mkey]; ok {
		if err := store.Delete(ctx, mkey); err != nil {
			return res, wrap("removing the outdated manifest", err)
		}
	}
	// Targets a previous complete conversion made from the same source: a multipart
	// copy's ETag differs from its source's, so content equality is read from there.
	prior := map[string]ManifestObject{}
	if old != nil {
		for _, t := range old.Targets {
			prior[t.Key] = t
		}
	}

	prog := newProgress(plan, opts.Progress)
	targets := make([]ManifestObject, 0, len(plan.Copies)+len(plan.Files))
	var mu sync.Mutex
	record := func(t ManifestObject) {
		mu.Lock()
		targets = append(targets, t)
		mu.Unlock()
	}

	// Copies.
	var todo []Copy
	for _, c := range plan.Copies {
		if o, ok := have[c.Target]; ok && sameCopy(c, o, prior[c.Target]) {
			res.Skipped++
			record(ManifestObject{Key: c.Target, ETag: o.ETag, Size: o.Size, Source: c.Source, SourceETag: c.ETag})
			prog.done(c.Size)
			continue
		}
		todo = append(todo, c)
	}
	// Largest first, so that a big copy does not start last and run alone.
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].Size > todo[j].Size })
	var copiedBytes int64
	err = parallel(ctx, opts.Workers, len(todo), func(ctx context.Context, i int) error {
		c := todo[i]
		info, err := copyObject(ctx, store, c, opts)
		if err != nil {
			return err
		}
		record(ManifestObject{Key: c.Target, ETag: info.ETag, Size: c.Size, Source: c.Source, SourceETag: c.ETag})
		mu.Lock()
		copiedBytes += c.Size
		mu.Unlock()
		prog.done(c.Size)
		return nil
	})
	if err != nil {
		return res, wrap("copying", err)
	}
	res.Copied, res.CopiedBytes = len(todo), copiedBytes

	// Generated files.
	for _, f := range plan.Files {
		sum := md5.Sum([]byte(f.Content))
		etag := hex.EncodeToString(sum[:])
		if o, ok := have[f.Target]; ok && o.ETag == etag && o.Size == int64(len(f.Content)) {
			record(ManifestObject{Key: f.Target, ETag: o.ETag, Size: o.Size})
			prog.done(0)
			continue
		}
		info, err := store.Write(ctx, f.Target, []byte(f.Content))
		if err != nil {
			return res, wrap("writing generated files", err)
		}
		res.Written++
		record(ManifestObject{Key: f.Target, ETag: info.ETag, Size: int64(len(f.Content))})
		prog.done(0)
	}

	// Stale targets.
	want := map[string]bool{mkey: true}
	for _, t := range plan.Targets() {
		want[t] = true
	}
	var stale []string
	for _, o := range existing {
		if !want[o.Key] {
			stale = append(stale, o.Key)
		}
	}
	err = parallel(ctx, opts.Workers, len(stale), func(ctx context.Context, i int) error {
		return store.Delete(ctx, stale[i])
	})
	if err != nil {
		return res, wrap("removing stale targets", err)
	}
	res.Deleted = len(stale)

	// The manifest, last.
	sort.Slice(targets, func(i, j int) bool { return targets[i].Key < targets[j].Key })
	m := Manifest{ToolVersion: opts.ToolVersion, Sources: sources(plan), Targets: targets, Plan: plan}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return res, wrap("encoding the manifest", err)
	}
	if _, err := store.Write(ctx, mkey, append(data, '\n')); err != nil {
		return res, wrap("writing the manifest", err)
	}
	return res, nil
}

func (o Options) withDefaults(s mlflow.Store) Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkersFor(s)
	}
	if o.MultipartThreshold == 0 {
		o.MultipartThreshold = DefaultMultipartThreshold
	}
	if o.PartSize <= 0 {
		o.PartSize = mlflow.DefaultCopyPartSize
	}
	if o.PartWorkers <= 0 {
		o.PartWorkers = DefaultPartWorkers
	}
	if o.ToolVersion == "" {
		o.ToolVersion = version.Version
	}
	return o
}

// listRoot lists the objects under root, or takes them from listing when given.
func listRoot(ctx context.Context, store mlflow.Store, root string, listing []mlflow.ObjectInfo) ([]mlflow.ObjectInfo, error) {
	if listing == nil {
		return store.List(ctx, root)
	}
	var out []mlflow.ObjectInfo
	for _, o := range listing {
		if strings.HasPrefix(o.Key, root+"/") {
			out = append(out, o)
		}
	}
	return out, nil
}

// copyObject makes one copy, in parallel parts when it is large and the store can.
func copyObject(ctx context.Context, store mlflow.Store, c Copy, opts Options) (mlflow.ObjectInfo, error) {
	src := mlflow.ObjectInfo{Key: c.Source, Size: c.Size, ETag: c.ETag}
	if mc, ok := store.(MultipartCopier); ok && opts.MultipartThreshold > 0 && c.Size >= opts.MultipartThreshold {
		return mc.CopyMultipart(ctx, src, c.Target, mlflow.MultipartCopyOptions{PartSize: opts.PartSize, Workers: opts.PartWorkers, KeepETag: true})
	}
	return store.Copy(ctx, src, c.Target)
}

// sameCopy reports whether the existing target o already holds the copy's content: the
// same size and either the source's ETag, or the ETag that a previous conversion recorded
// for this target when copying from this very source.
func sameCopy(c Copy, o mlflow.ObjectInfo, prior ManifestObject) bool {
	if o.Size != c.Size || c.ETag == "" {
		return false
	}
	if o.ETag == c.ETag {
		return true
	}
	return prior.Key == c.Target && prior.Source == c.Source && prior.SourceETag == c.ETag && prior.ETag == o.ETag
}

// readManifest reads the manifest back; a missing, unreadable or corrupt one is nil (the
// conversion is then redone).
func readManifest(ctx context.Context, store mlflow.Store, key string, have map[string]mlflow.ObjectInfo) *Manifest {
	if _, ok := have[key]; !ok {
		return nil
	}
	data, err := store.Read(ctx, key, maxManifestSize)
	if err != nil {
		return nil
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Plan == nil {
		return nil
	}
	return &m
}

// upToDate reports whether the manifest records this plan and every target it records is
// in place with the same size and ETag.
func upToDate(m *Manifest, plan *Plan, have map[string]mlflow.ObjectInfo) bool {
	a, err1 := json.Marshal(m.Plan)
	b, err2 := json.Marshal(plan)
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		return false
	}
	if len(m.Targets) != len(plan.Copies)+len(plan.Files) {
		return false
	}
	for _, t := range m.Targets {
		o, ok := have[t.Key]
		if !ok || o.Size != t.Size || o.ETag != t.ETag {
			return false
		}
	}
	return true
}

func sources(plan *Plan) []ManifestObject {
	out := make([]ManifestObject, 0, len(plan.Copies))
	for _, c := range plan.Copies {
		out = append(out, ManifestObject{Key: c.Source, ETag: c.ETag, Size: c.Size})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// parallel runs do(0..n-1) on at most workers goroutines. The first error cancels the
// others' context and is returned; work not yet started is not started.
func parallel(ctx context.Context, workers, n int, do func(ctx context.Context, i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		next     = make(chan int)
	)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return parent.Err()
}
