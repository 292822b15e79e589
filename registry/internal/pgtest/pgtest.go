// Package pgtest starts a real PostgreSQL server (Debian's package) for tests: in a
// temp folder, on a free loopback port, stopped when the test ends. Tests skip with a
// message under -short or where PostgreSQL is not installed (make test installs it).
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// EnvBin names the folder holding initdb, pg_ctl and postgres (the Makefile sets it).
const EnvBin = "FUSEML_PG_BIN"

// Server is a running PostgreSQL server.
type Server struct {
	// URL connects to the server's postgres database as the postgres superuser.
	URL  string
	port int
	n    atomic.Int64
}

func binDir() string {
	if d := os.Getenv(EnvBin); d != "" {
		return d
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

// Start starts a server for the test (and its subtests), or skips the test.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("PostgreSQL: skipped under -short")
	}
	bin := binDir()
	if bin == "" {
		t.Skip("PostgreSQL: not installed (run make test, which installs Debian's postgresql package, or set " + EnvBin + ")")
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_ctl")); err != nil {
		t.Skipf("PostgreSQL: no pg_ctl in %s", bin)
	}
	// initdb refuses root: run the server as the postgres user then.
	var wrap []string
	var owner *user.User
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("PostgreSQL: running as root and there is no postgres user to run the server as")
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			t.Skip("PostgreSQL: running as root without runuser")
		}
		owner, wrap = u, []string{runuser, "-u", "postgres", "--"}
	}
	dir, err := os.MkdirTemp("", "fuseml-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) {
		t.Helper()
		argv := append(append([]string{}, wrap...), append([]string{filepath.Join(bin, name)}, args...)...)
		cmd := exec.Command(argv[0], argv[1:]...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("PostgreSQL: %s: %v\n%s", name, err, out)
		}
	}
	data := filepath.Join(dir, "data")
	run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	port := freePort(t)
	run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir), "start")
	t.Cleanup(func() { run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop") })
	return &Server{URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), port: port}
}

// NewDatabase creates a fresh database and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	db, err := sql.Open("pgx", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("test%d", s.n.Add(1))
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
