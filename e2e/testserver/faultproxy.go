package testserver

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is what a FaultProxy does with one request.
type Fault int

// The faults. The S3 ones answer with S3's XML error document, as AWS and MinIO do.
const (
	// Pass forwards the request and relays the answer.
	Pass Fault = iota
	// Drop closes the client's connection without forwarding or answering.
	Drop
	// DropAfter forwards the request and closes the client's connection instead of
	// relaying the answer: the server did the work, the client never hears of it.
	DropAfter
	// InternalError answers 500 with S3's InternalError.
	InternalError
	// Unavailable answers 503 Service Unavailable (S3's ServiceUnavailable).
	Unavailable
	// SlowDown answers 503 with S3's SlowDown, S3's request to back off.
	SlowDown
	// Stall holds the request, unanswered, for the proxy's StallFor or until the client
	// gives up, then closes the connection.
	Stall
	// AccessDenied answers 403 with S3's AccessDenied: no client retries it.
	AccessDenied
)

var faultNames = map[Fault]string{
	Pass: "pass", Drop: "drop", DropAfter: "drop-after", InternalError: "500 InternalError",
	Unavailable: "503 ServiceUnavailable", SlowDown: "503 SlowDown", Stall: "stall", AccessDenied: "403 AccessDenied",
}

func (f Fault) String() string {
	if s, ok := faultNames[f]; ok {
		return s
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// s3Errors are the answers of the faults that answer.
var s3Errors = map[Fault]struct {
	status int
	code   string
}{
	InternalError: {http.StatusInternalServerError, "InternalError"},
	Unavailable:   {http.StatusServiceUnavailable, "ServiceUnavailable"},
	SlowDown:      {http.StatusServiceUnavailable, "SlowDown"},
	AccessDenied:  {http.StatusForbidden, "AccessDenied"},
}

// Rule decides the fault for a request; n counts the requests the proxy has seen,
// from 1 (or, with a shared Counter, the requests all its proxies have seen).
type Rule func(n int64, r *http.Request) Fault

// Counter numbers requests across several proxies, so that one rule can act on the
// n-th request of a whole run whichever server it goes to.
type Counter struct{ n atomic.Int64 }

// Load returns how many requests were counted.
func (c *Counter) Load() int64 { return c.n.Load() }

// FaultProxyOptions configure StartFaultProxy.
type FaultProxyOptions struct {
	// TLS makes the proxy serve HTTPS with a certificate of its own (clients must skip
	// verification); the upstream is then reached without verifying its certificate.
	TLS bool
	// Counter, if set, numbers the requests instead of the proxy's own count.
	Counter *Counter
	// StallFor bounds a Stall (default 30 s).
	StallFor time.Duration
	// OnFault, if set, is called with each fault as it takes effect: for DropAfter once
	// the upstream has answered, for the others before the client hears anything.
	OnFault func(n int64, f Fault, r *http.Request)
}

// FaultProxy is an HTTP reverse proxy in front of a test server that injects faults a
// Rule chooses: dropped connections, error answers, stalls. It stands between a client
// under test and a real server (MinIO, the registry, the Kubernetes API server). Its
// address stays the same across Down and Up, which stand for a server that goes away
// and comes back.
type FaultProxy struct {
	// URL is the proxy's base URL; Addr its host:port.
	URL, Addr string

	upstream *url.URL
	opts     FaultProxyOptions
	proxy    *httputil.ReverseProxy
	tr       *http.Transport
	own      atomic.Int64

	mu       sync.Mutex
	rule     Rule
	onFault  func(n int64, f Fault, r *http.Request)
	injected map[Fault]int
	srv      *httptest.Server
	up       bool
}

// StartFaultProxy starts a proxy to upstream (a base URL) that passes everything until
// SetRule. It stops when the test ends.
func StartFaultProxy(tb testing.TB, upstream string, opts FaultProxyOptions) *FaultProxy {
	tb.Helper()
	p, err := NewFaultProxy(upstream, opts)
	if err != nil {
		tb.Fatalf("fault proxy to %s: %v", upstream, err)
	}
	tb.Cleanup(p.Close)
	return p
}

// NewFaultProxy starts a proxy to upstream; Close stops it.
func NewFaultProxy(upstream string, opts FaultProxyOptions) (*FaultProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("upstream %q: expected a base URL", upstream)
	}
	if opts.StallFor <= 0 {
		opts.StallFor = 30 * time.Second
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a test server's own certificate
	}
	p := &FaultProxy{upstream: u, opts: opts, tr: tr, injected: map[Fault]int{}, onFault: opts.OnFault}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// Keep the client's Host: S3's signatures cover it.
			pr.Out.Host = pr.In.Host
		},
		Transport:     tr,
		FlushInterval: -1, // watches stream
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The upstream is unreachable: the client sees a closed connection, as it
			// would without the proxy.
			hijackClose(w)
		},
	}
	p.srv = p.newServer()
	if err := p.start(nil); err != nil {
		return nil, err
	}
	p.Addr = p.srv.Listener.Addr().String()
	scheme := "http"
	if opts.TLS {
		scheme = "https"
	}
	p.URL = scheme + "://" + p.Addr
	return p, nil
}

func (p *FaultProxy) newServer() *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	// HTTP/1.1 only: a dropped connection must be a dropped connection.
	srv.EnableHTTP2 = false
	return srv
}

// start starts p.srv, on l when given.
func (p *FaultProxy) start(l net.Listener) error {
	if l != nil {
		p.srv.Listener.Close()
		p.srv.Listener = l
	}
	if p.opts.TLS {
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	p.up = true
	return nil
}

// SetRule replaces the rule; nil passes everything.
func (p *FaultProxy) SetRule(r Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rule = r
}

// SetOnFault replaces the OnFault option.
func (p *FaultProxy) SetOnFault(f func(n int64, f Fault, r *http.Request)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onFault = f
}

// Requests returns how many requests this proxy has seen.
func (p *FaultProxy) Requests() int64 { return p.own.Load() }

// Injected returns how many of each fault the proxy has injected.
func (p *FaultProxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Fault]int, len(p.injected))
	for f, n := range p.injected {
		out[f] = n
	}
	return out
}

// InjectedTotal returns how many faults the proxy has injected.
func (p *FaultProxy) InjectedTotal() int {
	total := 0
	for _, n := range p.Injected() {
		total += n
	}
	return total
}

// Down stops answering: the port is closed (connections are refused) and open
// connections are cut, as when a server goes away.
func (p *FaultProxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.up {
		return
	}
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.up = false
}

// Up listens again on the same address after Down.
func (p *FaultProxy) Up() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.up {
		return nil
	}
	var (
		l   net.Listener
		err error
	)
	// The port may linger for a moment after Close.
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", p.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("listening again on %s: %w", p.Addr, err)
	}
	p.srv = p.newServer()
	return p.start(l)
}

// Close stops the proxy.
func (p *FaultProxy) Close() {
	p.Down()
	p.tr.CloseIdleConnections()
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	n := p.own.Add(1)
	if p.opts.Counter != nil {
		n = p.opts.Counter.n.Add(1)
	}
	p.mu.Lock()
	rule, onFault := p.rule, p.onFault
	p.mu.Unlock()
	fault := Pass
	if rule != nil {
		fault = rule(n, r)
	}
	if fault != Pass {
		p.mu.Lock()
		p.injected[fault]++
		p.mu.Unlock()
	}
	notify := func() {
		if onFault != nil {
			onFault(n, fault, r)
		}
	}
	switch fault {
	case Pass:
		p.proxy.ServeHTTP(w, r)
	case Drop:
		notify()
		hijackClose(w)
	case DropAfter:
		p.forward(r)
		notify()
		hijackClose(w)
	case Stall:
		notify()
		// Read the body first: only then does the server notice a client that leaves.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(p.opts.StallFor):
		}
		hijackClose(w)
	default:
		notify()
		e := s3Errors[fault]
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(e.status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>%s</Code><Message>injected by the test's fault proxy</Message><Resource>%s</Resource><RequestId>fault-%d</RequestId></Error>`,
			e.code, r.URL.Path, n)
	}
}

// forward sends the request upstream and waits for the answer's headers (by then the
// server has acted; a watch's body would never end), which the client will not get.
func (p *FaultProxy) forward(r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.upstream.Scheme, p.upstream.Host
	out.Host = r.Host
	out.Header.Del("Connection")
	if resp, err := p.tr.RoundTrip(out); err == nil {
		resp.Body.Close()
	}
}

// hijackClose closes the client's connection without an answer.
func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // a reset, not a polite close
	}
	conn.Close()
}

// Once returns a rule that injects fault into the first attempt of every distinct
// request (method, path and query), and passes the retries: a client that retries
// what it should gets through every request at the second attempt.
func Once(fault Fault) Rule {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(_ int64, r *http.Request) Fault {
		key := r.Method + " " + r.URL.RequestURI()
		mu.Lock()
		defer mu.Unlock()
		if seen[key] {
			return Pass
		}
		seen[key] = true
		return fault
	}
}

// Always returns a rule that injects fault into every request for which match is true
// (every request when match is nil).
func Always(fault Fault, match func(*http.Request) bool) Rule {
	return func(_ int64, r *http.Request) Fault {
		if match == nil || match(r) {
			return fault
		}
		return Pass
	}
}
