package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// Config says which database to open.
type Config struct {
	// Path is the SQLite file, created when missing (used when URL is empty).
	Path string
	// URL is a postgres:// URL; when set, PostgreSQL is used instead of SQLite.
	URL string
	// Cipher seals credentials configuration; without one, credentials cannot be
	// stored, and a database that holds sealed credentials cannot be opened.
	Cipher Cipher
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DB is the SQL store, on SQLite or PostgreSQL.
type DB struct {
	db       *sql.DB
	postgres bool
	cipher   Cipher
	now      func() time.Time
	// extCache holds decoded extension trees by query, appCache application lists
	// by filter (SQLite only).
	extCache readCache[[]registry.Extension]
	appCache readCache[[]registry.Application]
}

const keyCheckPlaintext = "fuseml-registry key check"

// Open opens (and migrates) the database, and checks the encryption key against the
// one the database was written with.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	s := &DB{cipher: cfg.Cipher, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if cfg.URL != "" {
		u, perr := url.Parse(cfg.URL)
		if perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, ErrUnsupportedURL
		}
		s.postgres = true
		s.db, err = sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("opening postgres: %w", err)
		}
		s.db.SetMaxOpenConns(16)
	} else {
		if cfg.Path == "" {
			return nil, errors.New("opening sqlite: no database file given")
		}
		if dir := filepath.Dir(cfg.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("opening sqlite: %w", err)
			}
		}
		dsn := "file:" + cfg.Path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate"
		s.db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("opening sqlite %s: %w", cfg.Path, err)
		}
		s.db.SetMaxOpenConns(8)
		s.extCache.on, s.appCache.on = true, true
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("connecting to the database: %w", redactErr(err))
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.checkKey(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// redactErr drops connection strings that a driver error may quote.
func redactErr(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "postgres://"); i >= 0 {
		return errors.New(msg[:i] + "postgres://***")
	}
	return err
}

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("pinging the database: %w", err)
	}
	return nil
}

// migrations are applied in order, each once; never edit one that has shipped.
var migrations = []string{
	`CREATE TABLE extensions (
		id TEXT PRIMARY KEY,
		product TEXT NOT NULL,
		version TEXT NOT NULL,
		zone TEXT NOT NULL,
		description TEXT NOT NULL,
		configuration TEXT NOT NULL,
		registered TEXT NOT NULL,
		updated TEXT NOT NULL
	);
	CREATE INDEX extensions_product ON extensions(product);
	CREATE TABLE services (
		extension_id TEXT NOT NULL REFERENCES extensions(id) ON DELETE CASCADE,
		id TEXT NOT NULL,
		resource TEXT NOT NULL,
		category TEXT NOT NULL,
		auth_required BOOLEAN NOT NULL,
		description TEXT NOT NULL,
		configuration TEXT NOT NULL,
		registered TEXT NOT NULL,
		updated TEXT NOT NULL,
		PRIMARY KEY (extension_id, id)
	);
	CREATE TABLE endpoints (
		extension_id TEXT NOT NULL,
		service_id TEXT NOT NULL,
		url TEXT NOT NULL,
		type TEXT NOT NULL,
		configuration TEXT NOT NULL,
		PRIMARY KEY (extension_id, service_id, url),
		FOREIGN KEY (extension_id, service_id) REFERENCES services(extension_id, id) ON DELETE CASCADE
	);
	CREATE TABLE credentials (
		extension_id TEXT NOT NULL,
		service_id TEXT NOT NULL,
		id TEXT NOT NULL,
		scope TEXT NOT NULL,
		is_default BOOLEAN NOT NULL,
		projects TEXT NOT NULL,
		users TEXT NOT NULL,
		sealed_configuration TEXT NOT NULL,
		created TEXT NOT NULL,
		updated TEXT NOT NULL,
		PRIMARY KEY (extension_id, service_id, id),
		FOREIGN KEY (extension_id, service_id) REFERENCES services(extension_id, id) ON DELETE CASCADE
	);
	CREATE TABLE applications (
		name TEXT PRIMARY KEY,
		type TEXT NOT NULL,
		workflow TEXT NOT NULL,
		record TEXT NOT NULL
	)`,
}

func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.postgres {
			// servers starting together migrate one at a time (SQLite's write
			// transactions are exclusive already)
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7251007)`); err != nil {
				return fmt.Errorf("locking for migrations: %w", err)
			}
		}
		var v string
		err := tx.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE name = ?`), "schema_version").Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("reading the schema version: %w", err)
		}
		applied, _ := strconv.Atoi(v)
		if applied > len(migrations) {
			return fmt.Errorf("the database schema (version %d) is newer than this server (version %d)", applied, len(migrations))
		}
		for i := applied; i < len(migrations); i++ {
			for _, stmt := range strings.Split(migrations[i], ";\n") {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d: %w", i+1, err)
				}
			}
		}
		if applied == len(migrations) {
			return nil
		}
		return s.putMeta(ctx, tx, "schema_version", strconv.Itoa(len(migrations)))
	})
}

func (s *DB) putMeta(ctx context.Context, tx *sql.Tx, name, value string) error {
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM meta WHERE name = ?`), name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO meta (name, value) VALUES (?, ?)`), name, value); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// checkKey compares the cipher with the key-check record that the first keyed start
// wrote.
func (s *DB) checkKey(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var sealed string
		err := tx.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE name = ?`), "key_check").Scan(&sealed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if s.cipher == nil {
				return nil
			}
			v, err := s.seal([]byte(keyCheckPlaintext))
			if err != nil {
				return err
			}
			return s.putMeta(ctx, tx, "key_check", v)
		case err != nil:
			return fmt.Errorf("reading the key check: %w", err)
		case s.cipher == nil:
			return ErrKeyRequired
		}
		plain, err := s.open(sealed)
		if err != nil || string(plain) != keyCheckPlaintext {
			return ErrWrongKey
		}
		return nil
	})
}

func (s *DB) seal(plain []byte) (string, error) {
	if s.cipher == nil {
		return "", registry.ErrNoEncryptionKey
	}
	b, err := s.cipher.Seal(plain)
	if err != nil {
		return "", fmt.Errorf("sealing credentials: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func (s *DB) open(sealed string) ([]byte, error) {
	if s.cipher == nil {
		return nil, ErrKeyRequired
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("opening sealed credentials: %w", err)
	}
	plain, err := s.cipher.Open(b)
	if err != nil {
		return nil, fmt.Errorf("opening sealed credentials: %w", ErrWrongKey)
	}
	return plain, nil
}

// q rewrites ? placeholders as $1, $2... for PostgreSQL.
func (s *DB) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func configText(m map[string]string) string {
	if m == nil {
		m = map[string]string{}
	}
	return jsonText(m)
}

func parseConfig(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decoding configuration: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func parseList(s string) []string {
	var l []string
	_ = json.Unmarshal([]byte(s), &l)
	if len(l) == 0 {
		return nil
	}
	return l
}
