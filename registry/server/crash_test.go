package server

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, for the integrity check

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
	"github.com/openmodelops/fuseml-seldon/registry/internal/pgtest"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
)

var (
	crashSeed     = flag.Int64("crash.seed", 0, "seed of the crash test's kill moments and writes (0: from the clock)")
	crashDuration = flag.Duration("crash.duration", 20*time.Second, "how long the crash test's clients write")
)

const (
	crashWriters = 8
	crashToken   = "crash-test-admin-token-01"
)

// TestSIGKILLKeepsAcknowledgedWrites runs the registry as a process of its own, kills it
// with SIGKILL three to five times while 8 clients write extensions (with a service,
// endpoints and credentials), add endpoints, and register and re-register applications,
// and restarts it each time on the same port and database. Then it reads everything
// back: every write that the registry acknowledged (2xx) must be there as written;
// writes left without an answer may be there, intact; writes refused while the
// registry was down must not be; nothing else may be there.
func TestSIGKILLKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: kills and restarts the registry for 20 seconds per store; skipped under -short")
	}
	seed := *crashSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (rerun with -crash.seed=%d)", seed, seed)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "registry.db")
		crashRun(t, "sqlite", seed, []string{"--database", db})
		checkSQLiteIntegrity(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pg := pgtest.Start(t)
		crashRun(t, "postgres", seed, []string{"--database-url", pg.NewDatabase(t)})
	})
}

// crashRun is the test on one store, ending with the registry stopped.
func crashRun(t *testing.T, store string, seed int64, storeArgs []string) {
	rng := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	tokens := writeFile(t, dir, "tokens", crashToken+",crash,admin\n")
	key := writeFile(t, dir, "key", seal.NewKey())
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	addr := freeAddr(t)
	p := &registryProcess{
		args: append([]string{"serve", "--listen", addr, "--tokens-file", tokens, "--encryption-key-file", key}, storeArgs...),
		log:  logFile,
	}
	t.Cleanup(p.killIfRunning)
	if err := p.start(); err != nil {
		t.Fatal(err)
	}

	duration := *crashDuration
	kills := killMoments(rng, duration)
	var epoch atomic.Int64 // how many times the registry was restarted
	writers := make([]*crashWriter, crashWriters)
	for i := range writers {
		c, err := client.New(client.Config{URL: "http://" + addr, Token: crashToken, RetryMax: -1})
		if err != nil {
			t.Fatal(err)
		}
		writers[i] = newCrashWriter(i, c, rand.New(rand.NewSource(rng.Int63())), &epoch)
	}

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	begin := time.Now()
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx)
		}()
	}
	var restarts []time.Duration
	var restartErr error
	for _, at := range kills {
		select {
		case <-time.After(time.Until(begin.Add(at))):
		case <-ctx.Done():
		}
		p.kill()
		down := time.Now()
		if restartErr = p.start(); restartErr != nil {
			cancel()
			break
		}
		restarts = append(restarts, time.Since(down))
		epoch.Add(1)
	}
	wg.Wait()
	if restartErr != nil {
		t.Fatalf("restarting the registry after a SIGKILL: %v", restartErr)
	}

	r := verifyCrash(t, "http://"+addr, writers)
	var lastRun int
	for _, w := range writers {
		lastRun += w.acksByEpoch[epoch.Load()]
	}
	t.Logf("registry crash (%s): %d writers × %s, %d SIGKILLs, %d writes acknowledged, %d present as written; "+
		"%d unanswered (%d of them found written), %d refused while the registry was down (%d found: must be 0)",
		store, crashWriters, duration, len(kills), r.acknowledged, r.acknowledgedPresent,
		r.unanswered, r.unansweredPresent, r.refused, r.refusedPresent)
	t.Logf("registry crash (%s): acknowledged %s; restarts took %s; %d writes acknowledged after the last restart; seed %d",
		store, r.byKind, restartSummary(restarts), lastRun, seed)
	if r.errorAnswers > 0 {
		t.Logf("registry crash (%s): %d error answers (5xx), counted as unanswered; the first: %s", store, r.errorAnswers, r.firstErrorAnswer)
	}
	if r.acknowledgedKinds < len(writeKinds) || lastRun == 0 {
		t.Errorf("the clients did not write every kind of record, or not after the last restart (%d after it); the registry log ends:\n%s",
			lastRun, tailFile(logFile.Name(), 20))
	}
	if err := p.stop(); err != nil {
		t.Errorf("stopping the registry: %v; its log ends:\n%s", err, tailFile(logFile.Name(), 20))
	}
}

// killMoments picks 3 to 5 moments in the run, one in each of equal slots, none near its
// start or end.
func killMoments(rng *rand.Rand, d time.Duration) []time.Duration {
	n := 3 + rng.Intn(3)
	slot := d / time.Duration(n+1)
	out := make([]time.Duration, n)
	for i := range out {
		jitter := time.Duration(rng.Int63n(int64(slot*2/3))) - slot/3
		out[i] = time.Duration(i+1)*slot + jitter
	}
	return out
}

func restartSummary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "nothing"
	}
	var sum, most time.Duration
	for _, d := range ds {
		sum += d
		most = max(most, d)
	}
	return fmt.Sprintf("%s on average (at most %s)", (sum / time.Duration(len(ds))).Round(time.Millisecond), most.Round(time.Millisecond))
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func checkSQLiteIntegrity(t *testing.T, path string) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("checking the SQLite file: %v", err)
	}
	if res != "ok" {
		t.Errorf("SQLite integrity check after the crashes: %s", res)
	}
}

// registryProcess is fuseml-registry running as a process of its own (this test binary,
// see TestMain), started again on the same port and database after each kill.
type registryProcess struct {
	args   []string
	log    *os.File // the registry's stderr, over all its runs
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	err    error         // cmd.Wait's answer, once exited is closed
}

// start starts the registry and waits until it listens.
func (p *registryProcess) start() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	cmd := exec.Command(exe, p.args...)
	cmd.Args[0] = "fuseml-registry"
	cmd.Env = append(registryEnv(), envRunAsRegistry+"=1")
	cmd.Stdout, cmd.Stderr = pw, p.log
	dieWithParent(cmd)
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return fmt.Errorf("starting the registry: %w", err)
	}
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited
	go func() {
		p.err = cmd.Wait()
		close(exited)
	}()
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on ") {
				close(listening)
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case <-listening:
		return nil
	case <-exited:
		return fmt.Errorf("the registry exited before listening (%v); its log ends:\n%s", p.err, tailFile(p.log.Name(), 20))
	case <-timeout.C:
		p.kill()
		return fmt.Errorf("the registry did not listen within 30s; its log ends:\n%s", tailFile(p.log.Name(), 20))
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (p *registryProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *registryProcess) killIfRunning() {
	if p.cmd != nil {
		p.kill()
	}
}

// stop asks the registry to stop, as Kubernetes does (SIGTERM), and waits.
func (p *registryProcess) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.exited:
		return p.err
	case <-time.After(40 * time.Second):
		p.kill()
		return errors.New("still running 40s after SIGTERM")
	}
}

// registryEnv is the test's environment without the registry's own settings, which
// would override or add to the flags the test gives.
func registryEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "FUSEML_REGISTRY_") || strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, seal.EnvKey+"=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// outcome is what a write's answer says about what the store must hold.
type outcome int

const (
	// acknowledged: a 2xx answer; the write must be there, as written.
	acknowledged outcome = iota
	// unanswered: no answer (the registry died) or an error answer; the write may be
	// there, and must be intact if it is.
	unanswered
	// refused: the connection was refused, so the request never reached the registry;
	// the write must not be there.
	refused
)

type extWrite struct {
	ext     registry.Extension // as written
	outcome outcome
	added   []endpointWrite // endpoints added to its service later, in order
}

type endpointWrite struct {
	ep      registry.Endpoint
	outcome outcome
}

type appWrite struct {
	app     registry.Application
	outcome outcome
}

// Kinds of writes.
const (
	kindExtension      = "extensions"
	kindEndpoint       = "endpoints added"
	kindApplication    = "applications"
	kindReregistration = "re-registrations"
)

var writeKinds = []string{kindExtension, kindEndpoint, kindApplication, kindReregistration}

// crashWriter is one client writing unique records, and its ledger of what it wrote.
type crashWriter struct {
	n     int
	c     *client.Client
	rng   *rand.Rand
	epoch *atomic.Int64
	seq   int

	exts      map[string]*extWrite
	apps      map[string][]appWrite // every version written, in order
	ackedExts []string              // extensions to add endpoints to
	ackedApps []string              // applications to register again

	counts           map[string]*[3]int // by kind, by outcome
	acksByEpoch      map[int64]int
	unexpected       []string // 4xx answers
	errorAnswers     int      // 5xx answers
	firstErrorAnswer string
}

func newCrashWriter(n int, c *client.Client, rng *rand.Rand, epoch *atomic.Int64) *crashWriter {
	w := &crashWriter{
		n: n, c: c, rng: rng, epoch: epoch,
		exts: map[string]*extWrite{}, apps: map[string][]appWrite{},
		counts: map[string]*[3]int{}, acksByEpoch: map[int64]int{},
	}
	for _, k := range writeKinds {
		w.counts[k] = new([3]int)
	}
	return w
}

func (w *crashWriter) run(ctx context.Context) {
	for ctx.Err() == nil {
		if w.write(ctx) == acknowledged {
			continue
		}
		// the registry is down or dying: do not spin
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (w *crashWriter) write(ctx context.Context) outcome {
	w.seq++
	switch r := w.rng.Intn(100); {
	case r < 35 || (r < 50 && len(w.ackedExts) == 0):
		e := crashExtension(w.n, w.seq, w.rng)
		_, err := w.c.RegisterExtension(ctx, e)
		o := w.record(kindExtension, err)
		w.exts[e.ID] = &extWrite{ext: e, outcome: o}
		if o == acknowledged {
			w.ackedExts = append(w.ackedExts, e.ID)
		}
		return o
	case r < 50:
		ew := w.exts[w.ackedExts[w.rng.Intn(len(w.ackedExts))]]
		ep := registry.Endpoint{
			URL: fmt.Sprintf("http://%s-added-%d.example.com:8080", ew.ext.ID, w.seq), ExtensionID: ew.ext.ID, ServiceID: "s3",
			Type: registry.EndpointExternal, Configuration: map[string]string{"added": strconv.Itoa(w.seq)},
		}
		_, err := w.c.AddEndpoint(ctx, ew.ext.ID, "s3", ep)
		o := w.record(kindEndpoint, err)
		ew.added = append(ew.added, endpointWrite{ep: ep, outcome: o})
		return o
	case r < 85 || len(w.ackedApps) == 0:
		app := crashApplication(fmt.Sprintf("crash-w%d-a%d", w.n, w.seq), 1)
		_, _, err := w.c.RegisterApplication(ctx, app, false)
		o := w.record(kindApplication, err)
		w.apps[app.Name] = []appWrite{{app: app, outcome: o}}
		if o == acknowledged {
			w.ackedApps = append(w.ackedApps, app.Name)
		}
		return o
	default:
		name := w.ackedApps[w.rng.Intn(len(w.ackedApps))]
		app := crashApplication(name, len(w.apps[name])+1)
		_, _, err := w.c.RegisterApplication(ctx, app, false)
		o := w.record(kindReregistration, err)
		w.apps[name] = append(w.apps[name], appWrite{app: app, outcome: o})
		return o
	}
}

func (w *crashWriter) record(kind string, err error) outcome {
	o := unanswered
	var ce *client.Error
	switch {
	case err == nil:
		o = acknowledged
		w.acksByEpoch[w.epoch.Load()]++
	case errors.Is(err, syscall.ECONNREFUSED):
		o = refused
	case errors.As(err, &ce) && ce.StatusCode < 500:
		w.unexpected = append(w.unexpected, fmt.Sprintf("%s: %v", kind, err))
	case errors.As(err, &ce):
		w.errorAnswers++
		if w.firstErrorAnswer == "" {
			w.firstErrorAnswer = err.Error()
		}
	}
	w.counts[kind][o]++
	return o
}

// crashExtension is a unique extension with one service, an internal and an external
// endpoint, and project credentials.
func crashExtension(writer, seq int, rng *rand.Rand) registry.Extension {
	id := fmt.Sprintf("crash-w%d-e%d", writer, seq)
	internal := fmt.Sprintf("http://%s.minio.svc:9000", id)
	return registry.Extension{
		ID: id, Product: "crash-minio", Version: fmt.Sprintf("1.%d.%d", writer, seq), Zone: fmt.Sprintf("zone-%d", writer%3),
		Description:   fmt.Sprintf("written by crash writer %d, write %d", writer, seq),
		Configuration: map[string]string{"writer": strconv.Itoa(writer), "seq": strconv.Itoa(seq)},
		Services: []registry.Service{{
			ID: "s3", ExtensionID: id, Resource: "s3", Category: "object-storage", AuthRequired: true,
			Description: "S3 API", Configuration: map[string]string{"region": fmt.Sprintf("region-%d", seq%5)},
			Endpoints: []registry.Endpoint{
				{URL: internal, ExtensionID: id, ServiceID: "s3", Type: registry.EndpointInternal, Configuration: map[string]string{"MLFLOW_S3_ENDPOINT_URL": internal}},
				{URL: "https://" + id + ".example.com", ExtensionID: id, ServiceID: "s3", Type: registry.EndpointExternal, Configuration: map[string]string{"MLFLOW_S3_IGNORE_TLS": "false"}},
			},
			Credentials: []registry.Credentials{{
				ID: "admin", ExtensionID: id, ServiceID: "s3", Default: true, Scope: registry.ScopeProject, Projects: []string{fmt.Sprintf("project-%d", seq%7)},
				Configuration: map[string]string{"AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": strconv.FormatUint(rng.Uint64(), 36)},
			}},
		}},
	}
}

// crashApplication is version v of an application's record.
func crashApplication(name string, v int) registry.Application {
	return registry.Application{
		Name: name, Type: "predictor", Description: fmt.Sprintf("version %d", v),
		URL:      fmt.Sprintf("http://%s.seldon.example.com/v%d/api/v1.0/predictions", name, v),
		Workflow: "crash-workflow", K8sNamespace: "fuseml-workloads",
		K8sResources: []registry.KubernetesResource{{Kind: "SeldonDeployment", Name: name}, {Kind: "Secret", Name: name + "-init-container-secret"}},
		Model:        fmt.Sprintf("s3://mlflow/crash/%s/%d", name, v), Predictor: "sklearn",
	}
}

// crashReport counts what the read-back found.
type crashReport struct {
	acknowledged, acknowledgedPresent int
	unanswered, unansweredPresent     int
	refused, refusedPresent           int
	byKind                            string
	acknowledgedKinds                 int // how many kinds of writes had one acknowledged
	errorAnswers                      int
	firstErrorAnswer                  string
}

// verifyCrash reads everything back from the running registry and checks it against
// the writers' ledgers.
func verifyCrash(t *testing.T, url string, writers []*crashWriter) crashReport {
	t.Helper()
	var exts []registry.Extension
	if err := getJSON(url+"/extensions?reveal=true", &exts); err != nil {
		t.Fatalf("reading the extensions back: %v", err)
	}
	c, err := client.New(client.Config{URL: url, Token: crashToken})
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.ListApplications(context.Background(), registry.ApplicationFilter{})
	if err != nil {
		t.Fatalf("reading the applications back: %v", err)
	}

	var r crashReport
	var problems []string
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	ledgerExts := map[string]*extWrite{}
	ledgerApps := map[string][]appWrite{}
	acked := map[string]int{}
	for _, w := range writers {
		for id, e := range w.exts {
			ledgerExts[id] = e
		}
		for name, v := range w.apps {
			ledgerApps[name] = v
		}
		for _, k := range writeKinds {
			acked[k] += w.counts[k][acknowledged]
			r.acknowledged += w.counts[k][acknowledged]
			r.unanswered += w.counts[k][unanswered]
			r.refused += w.counts[k][refused]
		}
		r.errorAnswers += w.errorAnswers
		if r.firstErrorAnswer == "" {
			r.firstErrorAnswer = w.firstErrorAnswer
		}
		for _, u := range w.unexpected {
			problem("unexpected answer to a write: %s", u)
		}
	}
	var kinds []string
	for _, k := range writeKinds {
		kinds = append(kinds, fmt.Sprintf("%d %s", acked[k], k))
		if acked[k] > 0 {
			r.acknowledgedKinds++
		}
	}
	r.byKind = strings.Join(kinds, ", ")
	count := func(o outcome) {
		switch o {
		case acknowledged:
			r.acknowledgedPresent++
		case unanswered:
			r.unansweredPresent++
		case refused:
			r.refusedPresent++
		}
	}

	found := map[string]bool{}
	for _, got := range exts {
		want, ok := ledgerExts[got.ID]
		if !ok {
			problem("extension %q is there but was never written", got.ID)
			continue
		}
		found[got.ID] = true
		if want.outcome == refused {
			problem("extension %q is there although its registration was refused", got.ID)
		}
		present := map[string]bool{}
		for _, s := range got.Services {
			for _, ep := range s.Endpoints {
				present[ep.URL] = true
			}
		}
		expect := cloneJSON(want.ext)
		for _, a := range want.added {
			if present[a.ep.URL] {
				count(a.outcome)
			}
			if a.outcome == acknowledged || (a.outcome == unanswered && present[a.ep.URL]) {
				expect.Services[0].Endpoints = append(expect.Services[0].Endpoints, a.ep)
			}
		}
		sortEndpoints(&expect)
		sortEndpoints(&got)
		if norm := normalizeExtension(got); !reflect.DeepEqual(norm, expect) {
			problem("extension %q (%s) read back\n%s\nwant\n%s", got.ID, outcomeName(want.outcome), toJSON(norm), toJSON(expect))
		} else {
			count(want.outcome)
		}
	}
	for id, e := range ledgerExts {
		if e.outcome == acknowledged && !found[id] {
			problem("extension %q is missing although its registration was acknowledged", id)
		}
	}

	found = map[string]bool{}
	for _, got := range apps {
		versions, ok := ledgerApps[got.Name]
		if !ok {
			problem("application %q is there but was never written", got.Name)
			continue
		}
		found[got.Name] = true
		// the last acknowledged version, or one written after it without an answer
		first := 0
		for i, v := range versions {
			if v.outcome == acknowledged {
				first = i
			}
		}
		norm := got
		norm.Status, norm.History = nil, nil
		match := slices.IndexFunc(versions, func(v appWrite) bool { return reflect.DeepEqual(norm, v.app) })
		switch {
		case match < 0:
			problem("application %q read back\n%s\nwhich is none of the %d versions written", got.Name, toJSON(norm), len(versions))
		case match < first:
			problem("application %q holds version %d, but the registration of version %d was acknowledged since", got.Name, match+1, first+1)
		case versions[match].outcome == refused:
			problem("application %q holds version %d, whose registration was refused", got.Name, match+1)
		default:
			// the version found, and the acknowledged ones it replaced, are there
			for i, v := range versions[:match+1] {
				if i == match || v.outcome == acknowledged {
					count(v.outcome)
				}
			}
		}
	}
	for name, versions := range ledgerApps {
		if !found[name] && slices.ContainsFunc(versions, func(v appWrite) bool { return v.outcome == acknowledged }) {
			problem("application %q is missing although its registration was acknowledged", name)
		}
	}

	for i, p := range problems {
		if i == 10 {
			t.Errorf("... and %d more problems", len(problems)-10)
			break
		}
		t.Error(p)
	}
	return r
}

func normalizeExtension(e registry.Extension) registry.Extension {
	e.Status = nil
	for i := range e.Services {
		s := &e.Services[i]
		s.Status = nil
		for j := range s.Credentials {
			s.Credentials[j].Status = nil
		}
	}
	return e
}

func sortEndpoints(e *registry.Extension) {
	for i := range e.Services {
		slices.SortFunc(e.Services[i].Endpoints, func(a, b registry.Endpoint) int { return strings.Compare(a.URL, b.URL) })
	}
}

func outcomeName(o outcome) string {
	return [...]string{"acknowledged", "unanswered", "refused"}[o]
}

func cloneJSON[T any](v T) T {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func toJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// getJSON reads what the client has no call for (all extensions, credentials revealed).
func getJSON(url string, out any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+crashToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("GET %s: %s: %s", req.URL.Path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
