package store

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/internal/pgtest"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
)

// opener opens a store on one database; calling it again opens the same database.
type opener func(t *testing.T, c Cipher) (*DB, error)

func testCipher(t *testing.T, b byte) Cipher {
	c, err := seal.New(bytes.Repeat([]byte{b}, 32))
	require.NoError(t, err)
	return c
}

func TestSQLite(t *testing.T) {
	runSuite(t, func(t *testing.T) opener {
		path := filepath.Join(t.TempDir(), "registry.db")
		return func(t *testing.T, c Cipher) (*DB, error) {
			return Open(context.Background(), Config{Path: path, Cipher: c})
		}
	})
}

func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	runSuite(t, func(t *testing.T) opener {
		url := srv.NewDatabase(t)
		return func(t *testing.T, c Cipher) (*DB, error) {
			return Open(context.Background(), Config{URL: url, Cipher: c})
		}
	})
}

func TestSQLiteUsesWAL(t *testing.T) {
	s, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "sub", "r.db")})
	require.NoError(t, err)
	defer s.Close()
	var mode string
	require.NoError(t, s.db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk))
	assert.Equal(t, 1, fk)
}

func TestOpenRejectsOtherURLs(t *testing.T) {
	_, err := Open(context.Background(), Config{URL: "mysql://x"})
	require.ErrorIs(t, err, ErrUnsupportedURL)
}

// sample is an extension with two services, endpoints and credentials of each scope.
func sample() registry.Extension {
	return registry.Extension{
		ID: "minio-1", Product: "minio", Version: "1.2.3", Zone: "eu", Description: "object store",
		Configuration: map[string]string{"API": "s3"},
		Services: []registry.Service{{
			ID: "s3", Resource: "s3", Category: "model-store", AuthRequired: true,
			Configuration: map[string]string{"REGION": "us-east-1"},
			Endpoints: []registry.Endpoint{
				{URL: "http://minio.svc:9000", Type: registry.EndpointInternal},
				{URL: "https://minio.example.com", Type: registry.EndpointExternal, Configuration: map[string]string{"INSECURE": "false"}},
			},
			Credentials: []registry.Credentials{
				{ID: "global", Scope: registry.ScopeGlobal, Configuration: map[string]string{"AWS_SECRET_ACCESS_KEY": "global-secret"}},
				{ID: "team", Scope: registry.ScopeProject, Projects: []string{"p1"}, Configuration: map[string]string{"AWS_SECRET_ACCESS_KEY": "team-secret"}},
			},
		}, {
			ID: "console", Resource: "minio-console",
			Endpoints: []registry.Endpoint{{URL: "https://console.example.com", Type: registry.EndpointExternal}},
		}},
	}
}

func runSuite(t *testing.T, newDB func(t *testing.T) opener) {
	ctx := context.Background()
	fresh := func(t *testing.T) (*DB, opener) {
		open := newDB(t)
		s, err := open(t, testCipher(t, 1))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s, open
	}

	t.Run("extension tree round trip", func(t *testing.T) {
		s, _ := fresh(t)
		want := sample()
		got, err := s.CreateExtension(ctx, want)
		require.NoError(t, err)
		require.NotNil(t, got.Status)
		assert.False(t, got.Status.Registered.IsZero())
		require.Len(t, got.Services, 2)
		assert.Equal(t, []string{"console", "s3"}, []string{got.Services[0].ID, got.Services[1].ID}, "services ordered by id")
		s3 := got.Services[1]
		assert.Equal(t, "minio-1", s3.ExtensionID)
		assert.True(t, s3.AuthRequired)
		assert.Equal(t, map[string]string{"REGION": "us-east-1"}, s3.Configuration)
		require.Len(t, s3.Endpoints, 2)
		assert.Equal(t, "http://minio.svc:9000", s3.Endpoints[0].URL)
		assert.Equal(t, "s3", s3.Endpoints[1].ServiceID)
		require.Len(t, s3.Credentials, 2)
		assert.Equal(t, "global-secret", s3.Credentials[0].Configuration["AWS_SECRET_ACCESS_KEY"])
		assert.Equal(t, []string{"p1"}, s3.Credentials[1].Projects)

		again, err := s.GetExtension(ctx, "minio-1")
		require.NoError(t, err)
		assert.Equal(t, got, again)
	})

	t.Run("exists and not found", func(t *testing.T) {
		s, _ := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		_, err = s.CreateExtension(ctx, sample())
		assert.ErrorIs(t, err, registry.ErrExists)
		_, err = s.CreateService(ctx, registry.Service{ExtensionID: "minio-1", ID: "s3"})
		assert.ErrorIs(t, err, registry.ErrExists)
		_, err = s.CreateEndpoint(ctx, registry.Endpoint{ExtensionID: "minio-1", ServiceID: "s3", URL: "http://minio.svc:9000", Type: "internal"})
		assert.ErrorIs(t, err, registry.ErrExists)
		_, err = s.CreateCredentials(ctx, registry.Credentials{ExtensionID: "minio-1", ServiceID: "s3", ID: "team", Scope: "global"})
		assert.ErrorIs(t, err, registry.ErrExists)

		_, err = s.GetExtension(ctx, "nope")
		assert.ErrorIs(t, err, registry.ErrNotFound)
		_, err = s.CreateService(ctx, registry.Service{ExtensionID: "nope", ID: "x"})
		assert.ErrorIs(t, err, registry.ErrNotFound)
		_, err = s.CreateEndpoint(ctx, registry.Endpoint{ExtensionID: "minio-1", ServiceID: "nope", URL: "http://x", Type: "external"})
		assert.ErrorIs(t, err, registry.ErrNotFound)
		_, err = s.GetEndpoint(ctx, "minio-1", "s3", "http://other")
		assert.ErrorIs(t, err, registry.ErrNotFound)
		_, err = s.GetCredentials(ctx, "minio-1", "s3", "nope")
		assert.ErrorIs(t, err, registry.ErrNotFound)
		assert.ErrorIs(t, s.DeleteExtension(ctx, "nope"), registry.ErrNotFound)
		assert.ErrorIs(t, s.DeleteService(ctx, "minio-1", "nope"), registry.ErrNotFound)
		assert.ErrorIs(t, s.DeleteEndpoint(ctx, "minio-1", "s3", "http://other"), registry.ErrNotFound)
		assert.ErrorIs(t, s.DeleteCredentials(ctx, "minio-1", "s3", "nope"), registry.ErrNotFound)
		_, err = s.UpdateExtension(ctx, registry.Extension{ID: "nope"})
		assert.ErrorIs(t, err, registry.ErrNotFound)
		_, err = s.UpdateCredentials(ctx, registry.Credentials{ExtensionID: "minio-1", ServiceID: "s3", ID: "nope", Scope: "global"})
		assert.ErrorIs(t, err, registry.ErrNotFound)
	})

	t.Run("a failed tree insert leaves nothing behind", func(t *testing.T) {
		s, _ := fresh(t)
		e := sample()
		e.Services[1].ID = "s3" // duplicate service id inside one tree
		_, err := s.CreateExtension(ctx, e)
		require.ErrorIs(t, err, registry.ErrExists)
		_, err = s.GetExtension(ctx, "minio-1")
		assert.ErrorIs(t, err, registry.ErrNotFound)
	})

	t.Run("updates replace own fields only", func(t *testing.T) {
		s, _ := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		e, err := s.UpdateExtension(ctx, registry.Extension{ID: "minio-1", Product: "minio", Version: "2.0.0", Zone: "us"})
		require.NoError(t, err)
		assert.Equal(t, "2.0.0", e.Version)
		assert.Nil(t, e.Configuration)
		assert.Len(t, e.Services, 2, "services kept")

		v, err := s.UpdateService(ctx, registry.Service{ExtensionID: "minio-1", ID: "s3", Resource: "s3", Category: "storage"})
		require.NoError(t, err)
		assert.Equal(t, "storage", v.Category)
		assert.False(t, v.AuthRequired)
		assert.Len(t, v.Endpoints, 2, "endpoints kept")

		p, err := s.UpdateEndpoint(ctx, registry.Endpoint{ExtensionID: "minio-1", ServiceID: "s3", URL: "http://minio.svc:9000", Type: "external", Configuration: map[string]string{"A": "b"}})
		require.NoError(t, err)
		assert.Equal(t, "external", p.Type)

		c, err := s.UpdateCredentials(ctx, registry.Credentials{ExtensionID: "minio-1", ServiceID: "s3", ID: "team", Scope: "user", Users: []string{"u1"}, Default: true, Configuration: map[string]string{"K": "new"}})
		require.NoError(t, err)
		assert.Equal(t, "user", c.Scope)
		assert.True(t, c.Default)
		assert.Equal(t, []string{"u1"}, c.Users)
		assert.Nil(t, c.Projects)
		assert.Equal(t, map[string]string{"K": "new"}, c.Configuration)
	})

	t.Run("deletes cascade", func(t *testing.T) {
		s, _ := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		require.NoError(t, s.DeleteEndpoint(ctx, "minio-1", "s3", "http://minio.svc:9000"))
		eps, err := s.ListEndpoints(ctx, "minio-1", "s3")
		require.NoError(t, err)
		assert.Len(t, eps, 1)
		require.NoError(t, s.DeleteService(ctx, "minio-1", "s3"))
		_, err = s.ListCredentials(ctx, "minio-1", "s3")
		assert.ErrorIs(t, err, registry.ErrNotFound)
		// the service can be registered again: its endpoints and credentials went with it
		svc := sample().Services[0]
		svc.ExtensionID = "minio-1"
		_, err = s.CreateService(ctx, svc)
		require.NoError(t, err)
		require.NoError(t, s.DeleteExtension(ctx, "minio-1"))
		var n int
		require.NoError(t, s.db.QueryRow("SELECT COUNT(*) FROM endpoints").Scan(&n))
		assert.Zero(t, n, "endpoints left after deleting the extension")
		require.NoError(t, s.db.QueryRow("SELECT COUNT(*) FROM credentials").Scan(&n))
		assert.Zero(t, n, "credentials left after deleting the extension")
	})

	t.Run("queries", func(t *testing.T) {
		s, _ := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		other := sample()
		other.ID, other.Version, other.Zone = "minio-2", "2.1.0", "us"
		_, err = s.CreateExtension(ctx, other)
		require.NoError(t, err)
		_, err = s.CreateExtension(ctx, registry.Extension{ID: "mlflow-1", Product: "mlflow", Version: "1.20"})
		require.NoError(t, err)

		ids := func(q registry.Query) []string {
			t.Helper()
			exts, err := s.ListExtensions(ctx, q)
			require.NoError(t, err)
			out := []string{}
			for _, e := range exts {
				out = append(out, e.ID)
			}
			return out
		}
		assert.Equal(t, []string{"minio-1", "minio-2", "mlflow-1"}, ids(registry.Query{}))
		assert.Equal(t, []string{"minio-1", "minio-2"}, ids(registry.Query{Product: "minio"}))
		assert.Equal(t, []string{"minio-2"}, ids(registry.Query{Product: "minio", Version: ">=2"}))
		assert.Equal(t, []string{"minio-1"}, ids(registry.Query{Zone: "eu", StrictZone: true}))
		assert.Equal(t, []string{"mlflow-1"}, ids(registry.Query{ExtensionID: "mlflow-1"}))
		// a user without fitting credentials sees only the console (no auth required)
		exts, err := s.ListExtensions(ctx, registry.Query{ExtensionID: "minio-1", User: "bob", Project: "p2", CredentialsScope: registry.ScopeProject})
		require.NoError(t, err)
		require.Len(t, exts, 1)
		require.Len(t, exts[0].Services, 2)
		assert.Len(t, exts[0].Services[1].Credentials, 1, "only the global credentials fit project p2")
	})

	t.Run("credentials are sealed at rest", func(t *testing.T) {
		s, _ := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		rows, err := s.db.Query("SELECT sealed_configuration FROM credentials")
		require.NoError(t, err)
		defer rows.Close()
		n := 0
		for rows.Next() {
			var v string
			require.NoError(t, rows.Scan(&v))
			assert.NotContains(t, v, "secret")
			n++
		}
		assert.Equal(t, 2, n)
	})

	t.Run("keys", func(t *testing.T) {
		s, open := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		require.NoError(t, s.Close())

		_, err = open(t, testCipher(t, 2))
		assert.ErrorIs(t, err, ErrWrongKey)
		_, err = open(t, nil)
		assert.ErrorIs(t, err, ErrKeyRequired)

		again, err := open(t, testCipher(t, 1))
		require.NoError(t, err)
		defer again.Close()
		c, err := again.GetCredentials(ctx, "minio-1", "s3", "team")
		require.NoError(t, err)
		assert.Equal(t, "team-secret", c.Configuration["AWS_SECRET_ACCESS_KEY"])
	})

	t.Run("no key: credentials refused, the rest works", func(t *testing.T) {
		open := newDB(t)
		s, err := open(t, nil)
		require.NoError(t, err)
		defer s.Close()
		_, err = s.CreateExtension(ctx, sample())
		assert.ErrorIs(t, err, registry.ErrNoEncryptionKey)
		e := sample()
		e.Services[0].Credentials = nil
		_, err = s.CreateExtension(ctx, e)
		require.NoError(t, err)
		_, err = s.CreateCredentials(ctx, registry.Credentials{ExtensionID: "minio-1", ServiceID: "s3", ID: "c", Scope: "global"})
		assert.ErrorIs(t, err, registry.ErrNoEncryptionKey)
	})

	t.Run("applications", func(t *testing.T) {
		s, _ := fresh(t)
		reg := func(app registry.Application) (registry.Application, bool, error) {
			return s.RegisterApplication(ctx, app.Name, func(old *registry.Application) (registry.Application, error) {
				return registry.Register(old, app, false, time.Now())
			})
		}
		a := registry.Application{Name: "app1", Type: "predictor", Workflow: "wf1", K8sNamespace: "ns", URL: "http://a.example.com/p"}
		got, created, err := reg(a)
		require.NoError(t, err)
		assert.True(t, created)
		assert.Len(t, got.History, 1)
		a.URL = "http://a.example.com/q"
		got, created, err = reg(a)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Len(t, got.History, 2)
		b := registry.Application{Name: "app1", Type: "predictor", Workflow: "wf2", K8sNamespace: "ns"}
		_, _, err = reg(b)
		assert.ErrorIs(t, err, registry.ErrConflict)
		_, _, err = reg(registry.Application{Name: "app2", Type: "notebook", Workflow: "wf2", K8sNamespace: "ns"})
		require.NoError(t, err)

		stored, err := s.GetApplication(ctx, "app1")
		require.NoError(t, err)
		assert.Equal(t, got, stored)
		all, err := s.ListApplications(ctx, registry.ApplicationFilter{})
		require.NoError(t, err)
		assert.Len(t, all, 2)
		byType, err := s.ListApplications(ctx, registry.ApplicationFilter{Type: "notebook"})
		require.NoError(t, err)
		require.Len(t, byType, 1)
		assert.Equal(t, "app2", byType[0].Name)
		byWF, err := s.ListApplications(ctx, registry.ApplicationFilter{Workflow: "wf1"})
		require.NoError(t, err)
		require.Len(t, byWF, 1)
		assert.Equal(t, "app1", byWF[0].Name)

		require.NoError(t, s.DeleteApplication(ctx, "app1"))
		_, err = s.GetApplication(ctx, "app1")
		assert.ErrorIs(t, err, registry.ErrNotFound)
		assert.ErrorIs(t, s.DeleteApplication(ctx, "app1"), registry.ErrNotFound)
	})

	t.Run("concurrent registrations are not lost", func(t *testing.T) {
		s, _ := fresh(t)
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				app := registry.Application{Name: "busy", Type: "predictor", Workflow: "wf", K8sNamespace: "ns", URL: fmt.Sprintf("http://h/%d", i)}
				_, _, err := s.RegisterApplication(ctx, app.Name, func(old *registry.Application) (registry.Application, error) {
					return registry.Register(old, app, false, time.Now())
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		app, err := s.GetApplication(ctx, "busy")
		require.NoError(t, err)
		assert.Len(t, app.History, n, "every registration changed the URL, so each left a history entry")
	})

	t.Run("reads after writes see them, and answers are not shared", func(t *testing.T) {
		s, _ := fresh(t)
		_, err := s.CreateExtension(ctx, sample())
		require.NoError(t, err)
		q := registry.Query{Product: "minio"}
		before, err := s.ListExtensions(ctx, q)
		require.NoError(t, err)
		before[0].Configuration["API"] = "changed by a caller"
		before[0].Services[1].Credentials[0].Configuration["AWS_SECRET_ACCESS_KEY"] = "changed"
		again, err := s.ListExtensions(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, "s3", again[0].Configuration["API"])
		assert.Equal(t, "global-secret", again[0].Services[1].Credentials[0].Configuration["AWS_SECRET_ACCESS_KEY"])

		_, err = s.CreateService(ctx, registry.Service{ExtensionID: "minio-1", ID: "new"})
		require.NoError(t, err)
		after, err := s.ListExtensions(ctx, q)
		require.NoError(t, err)
		assert.Len(t, after[0].Services, 3)
		_, err = s.UpdateCredentials(ctx, registry.Credentials{ExtensionID: "minio-1", ServiceID: "s3", ID: "global", Scope: "global", Configuration: map[string]string{"AWS_SECRET_ACCESS_KEY": "rotated"}})
		require.NoError(t, err)
		after, err = s.ListExtensions(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, "rotated", after[0].Services[2].Credentials[0].Configuration["AWS_SECRET_ACCESS_KEY"])
		require.NoError(t, s.DeleteExtension(ctx, "minio-1"))
		after, err = s.ListExtensions(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, after)

		apps, err := s.ListApplications(ctx, registry.ApplicationFilter{})
		require.NoError(t, err)
		assert.Empty(t, apps)
		app := registry.Application{Name: "a", Type: "t", Workflow: "w", K8sNamespace: "n"}
		_, _, err = s.RegisterApplication(ctx, "a", func(old *registry.Application) (registry.Application, error) {
			return registry.Register(old, app, false, time.Now())
		})
		require.NoError(t, err)
		apps, err = s.ListApplications(ctx, registry.ApplicationFilter{})
		require.NoError(t, err)
		assert.Len(t, apps, 1)
		require.NoError(t, s.DeleteApplication(ctx, "a"))
		apps, err = s.ListApplications(ctx, registry.ApplicationFilter{})
		require.NoError(t, err)
		assert.Empty(t, apps)
	})

	t.Run("ping", func(t *testing.T) {
		s, _ := fresh(t)
		require.NoError(t, s.Ping(ctx))
		require.NoError(t, s.Close())
		assert.Error(t, s.Ping(ctx))
	})
}
