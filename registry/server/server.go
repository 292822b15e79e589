package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/internal/version"
	"github.com/openmodelops/fuseml-seldon/registry/api"
	"github.com/openmodelops/fuseml-seldon/registry/kube"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
	"github.com/openmodelops/fuseml-seldon/registry/store"
)

// Config is what Serve needs; the serve command fills it from its flags.
type Config struct {
	// Listen is the address to listen on (host:port; port 0 picks a free one).
	Listen string
	// Database is the SQLite file, used when DatabaseURL is empty.
	Database string
	// DatabaseURL is a postgres:// URL.
	DatabaseURL string
	// TokensFile holds "token,name,role" lines; when it does not exist yet, an admin
	// token is generated, written there and printed once. Without a file, an admin
	// token is generated for this run only and printed.
	TokensFile string
	// EncryptionKeyFile holds the credentials key (else FUSEML_REGISTRY_ENCRYPTION_KEY).
	EncryptionKeyFile string
	// Kubeconfig gives cluster access (else the in-cluster config, else none).
	Kubeconfig string
	// ShutdownTimeout bounds how long requests in flight may take to finish.
	ShutdownTimeout time.Duration
}

// Run runs the command line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app := &cli.App{
		Name:      "fuseml-registry",
		Usage:     "the FuseML extension and application registry",
		Version:   version.Version,
		Writer:    stdout,
		ErrWriter: stderr,
		// errors go back to main, which prints them and sets the exit code
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			{
				Name:  "serve",
				Usage: "serve the registry's HTTP API",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "listen", Value: ":8080", Usage: "address to listen on", EnvVars: []string{"FUSEML_REGISTRY_LISTEN"}},
					&cli.StringFlag{Name: "database", Value: "fuseml-registry.db", Usage: "SQLite database file", EnvVars: []string{"FUSEML_REGISTRY_DATABASE"}},
					&cli.StringFlag{Name: "database-url", Usage: "PostgreSQL URL (postgres://...); replaces --database", EnvVars: []string{"FUSEML_REGISTRY_DATABASE_URL"}},
					&cli.StringFlag{Name: "tokens-file", Usage: "file of token,name,role lines (reader, editor, admin)", EnvVars: []string{"FUSEML_REGISTRY_TOKENS_FILE"}},
					&cli.StringFlag{Name: "encryption-key-file", Usage: "file holding the 32-byte credentials key (hex or base64); or set " + seal.EnvKey, EnvVars: []string{"FUSEML_REGISTRY_ENCRYPTION_KEY_FILE"}},
					&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig for deleting applications' objects (default: in-cluster config, if any)", EnvVars: []string{"KUBECONFIG"}},
					&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json"},
					&cli.BoolFlag{Name: "verbose", Usage: "debug logging"},
				},
				Action: func(c *cli.Context) error { return serveCommand(c, stdout, stderr) },
			},
			{
				Name:  "keygen",
				Usage: "print a new random encryption key (for --encryption-key-file)",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintln(stdout, seal.NewKey())
					return err
				},
			},
			{
				Name:  "token",
				Usage: "print a new random token (for a tokens file)",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintln(stdout, api.NewToken())
					return err
				},
			},
		},
	}
	return app.RunContext(ctx, args)
}

func serveCommand(c *cli.Context, stdout, stderr io.Writer) error {
	level := slog.LevelInfo
	if c.Bool("verbose") {
		level = slog.LevelDebug
	}
	var handler slog.Handler
	switch c.String("log-format") {
	case "text":
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return fmt.Errorf("%w: --log-format must be text or json", ErrUsage)
	}
	cfg := Config{
		Listen: c.String("listen"), Database: c.String("database"), DatabaseURL: c.String("database-url"),
		TokensFile: c.String("tokens-file"), EncryptionKeyFile: c.String("encryption-key-file"),
		Kubeconfig: c.String("kubeconfig"), ShutdownTimeout: 30 * time.Second,
	}
	return Serve(c.Context, cfg, slog.New(handler), stdout)
}

// Serve serves the registry until ctx ends, then stops accepting connections and
// waits (up to ShutdownTimeout) for the requests in flight.
func Serve(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	cipher, err := seal.Load(cfg.EncryptionKeyFile)
	if err != nil {
		return fmt.Errorf("loading the encryption key: %w", err)
	}
	storeCfg := store.Config{Path: cfg.Database, URL: cfg.DatabaseURL}
	if cipher != nil {
		storeCfg.Cipher = cipher
	} else {
		log.Warn("no encryption key (--encryption-key-file or " + seal.EnvKey + "): the registry will refuse to store credentials")
	}
	st, err := store.Open(ctx, storeCfg)
	switch {
	case errors.Is(err, store.ErrWrongKey):
		return fmt.Errorf("refusing to start: %w; start with the key the credentials were stored with", err)
	case errors.Is(err, store.ErrKeyRequired):
		return fmt.Errorf("refusing to start: %w (--encryption-key-file or %s)", err, seal.EnvKey)
	case err != nil:
		return fmt.Errorf("opening the store: %w", err)
	}
	defer st.Close()

	tokens, err := loadTokens(cfg.TokensFile, log, stdout)
	if err != nil {
		return err
	}

	apiCfg := api.Config{Store: st, Tokens: tokens, Logger: log}
	kcfg, err := kube.LoadConfig(cfg.Kubeconfig)
	if err != nil {
		return err
	}
	if kcfg != nil {
		d, err := kube.NewDeleter(kcfg)
		if err != nil {
			return err
		}
		apiCfg.Deleter = d
		log.Info("cluster access: deleting an application deletes its Kubernetes objects", "host", kcfg.Host)
	} else {
		log.Info("no cluster access: deleting an application deletes only its record")
	}

	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           api.New(apiCfg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	db := "sqlite:" + cfg.Database
	if cfg.DatabaseURL != "" {
		db = "postgres"
	}
	log.Info("serving", "addr", l.Addr().String(), "store", db, "version", version.Version)
	fmt.Fprintf(stdout, "listening on http://%s\n", l.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// loadTokens reads the tokens file, or makes a first admin token and prints it once.
func loadTokens(file string, log *slog.Logger, stdout io.Writer) (*api.Tokens, error) {
	if file != "" {
		f, err := os.Open(file)
		if err == nil {
			defer f.Close()
			t, err := api.ParseTokens(f)
			if err != nil {
				return nil, fmt.Errorf("tokens file %s: %w", file, err)
			}
			return t, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("opening the tokens file: %w", err)
		}
	}
	token := api.NewToken()
	t := api.NewTokens()
	if err := t.Add(token, api.Principal{Name: "admin", Role: api.RoleAdmin}); err != nil {
		return nil, err
	}
	if file != "" {
		line := "# token,name,role (reader, editor, admin)\n" + token + ",admin,admin\n"
		if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
			return nil, fmt.Errorf("writing the tokens file: %w", err)
		}
		log.Warn("first start: generated an admin token into the tokens file; it is printed once on stdout", "file", file)
	} else {
		log.Warn("no --tokens-file: generated an admin token for this run only; it is printed once on stdout")
	}
	fmt.Fprintf(stdout, "admin token (shown once): %s\n", token)
	return t, nil
}
