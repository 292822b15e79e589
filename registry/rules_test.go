package registry

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a registered set: several products, versions, zones, endpoint types and
// credential scopes. Expected answers in the tables below follow from the rules in
// the package documentation, not from running the code.
func fixture() []Extension {
	cfg := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	return []Extension{
		{ID: "mlflow-eu", Product: "mlflow", Version: "1.20.0", Zone: "eu", Configuration: cfg("A", "ext", "B", "ext", "C", "ext"),
			Services: []Service{{ID: "tracker", Resource: "mlflow-tracker", Category: "experiment-tracking", Configuration: cfg("B", "svc", "C", "svc"),
				Endpoints: []Endpoint{
					{URL: "http://mlflow.eu.svc", Type: EndpointInternal, Configuration: cfg("C", "internal")},
					{URL: "https://mlflow-eu.example.com", Type: EndpointExternal, Configuration: cfg("C", "external")},
				}}}},
		{ID: "mlflow-us", Product: "mlflow", Version: "2.3.0", Zone: "us",
			Services: []Service{{ID: "tracker", Resource: "mlflow-tracker", Category: "experiment-tracking",
				Endpoints: []Endpoint{{URL: "https://mlflow-us.example.com", Type: EndpointExternal}}}}},
		{ID: "mlflow-nightly", Product: "mlflow", Version: "nightly", Zone: "us",
			Services: []Service{{ID: "tracker", Resource: "mlflow-tracker",
				Endpoints: []Endpoint{{URL: "https://nightly.example.com", Type: EndpointExternal}}}}},
		{ID: "minio-eu", Product: "minio", Version: "2023.1.0", Zone: "eu", Configuration: cfg("S3", "ext"),
			Services: []Service{{ID: "s3", Resource: "s3", Category: "model-store", AuthRequired: true,
				Endpoints: []Endpoint{
					{URL: "http://minio.eu.svc:9000", Type: EndpointInternal},
					{URL: "https://minio-eu.example.com", Type: EndpointExternal},
				},
				Credentials: []Credentials{
					{ID: "g", Scope: ScopeGlobal, Configuration: cfg("KEY", "g", "S3", "creds")},
					{ID: "g-default", Scope: ScopeGlobal, Default: true, Configuration: cfg("KEY", "g-default")},
					{ID: "p-ml", Scope: ScopeProject, Projects: []string{"ml"}, Configuration: cfg("KEY", "p-ml")},
					{ID: "u-alice", Scope: ScopeUser, Users: []string{"alice"}, Configuration: cfg("KEY", "u-alice")},
					{ID: "u-alice-ml", Scope: ScopeUser, Users: []string{"alice"}, Projects: []string{"ml"}, Default: true, Configuration: cfg("KEY", "u-alice-ml")},
				}}}},
		{ID: "minio-us", Product: "minio", Version: "2024.1.0", Zone: "us",
			Services: []Service{{ID: "s3", Resource: "s3", Category: "model-store", AuthRequired: true,
				Endpoints: []Endpoint{{URL: "https://minio-us.example.com", Type: EndpointExternal}},
				Credentials: []Credentials{
					{ID: "us-ml", Scope: ScopeProject, Projects: []string{"ml"}, Configuration: cfg("KEY", "us-ml")},
				}}}},
		{ID: "seldon-eu", Product: "seldon-core", Version: "1.15.0", Zone: "eu",
			Services: []Service{{ID: "api", Resource: "seldon-core", Category: "serving",
				Endpoints: []Endpoint{{URL: "http://seldon.eu.svc", Type: EndpointInternal}}}}},
	}
}

// memFinder runs queries over the fixture with Filter, as the store does.
type memFinder []Extension

func (m memFinder) ListExtensions(_ context.Context, q Query) ([]Extension, error) {
	return Filter(m, q), nil
}

func TestResolveRules(t *testing.T) {
	alice := Consumer{User: "alice", Project: "ml", Zone: "eu"}
	tests := []struct {
		name     string
		consumer Consumer
		req      Requirement
		// want is "extension/service endpoint-url credentials-id", or "" when unresolved
		want string
	}{
		{"consumer's zone before a higher version; internal endpoint in zone", Consumer{Zone: "eu"}, Requirement{Product: "mlflow"},
			"mlflow-eu/tracker http://mlflow.eu.svc -"},
		{"other zone: own zone's extension, external endpoint", Consumer{Zone: "us"}, Requirement{Product: "mlflow"},
			"mlflow-us/tracker https://mlflow-us.example.com -"},
		{"no zone: highest semantic version wins, unparseable last", Consumer{}, Requirement{Product: "mlflow"},
			"mlflow-us/tracker https://mlflow-us.example.com -"},
		{"version constraint leaves another zone's extension: external only", Consumer{Zone: "us"}, Requirement{Product: "mlflow", Version: "<2"},
			"mlflow-eu/tracker https://mlflow-eu.example.com -"},
		{"exact non-semver version", Consumer{}, Requirement{Product: "mlflow", Version: "nightly"},
			"mlflow-nightly/tracker https://nightly.example.com -"},
		{"strict zone excludes other zones", Consumer{Zone: "us"}, Requirement{Product: "mlflow", Version: "<2", StrictZone: true},
			""},
		{"requirement zone overrides consumer zone", Consumer{Zone: "us"}, Requirement{Product: "mlflow", Zone: "eu"},
			"mlflow-eu/tracker http://mlflow.eu.svc -"},
		{"user credentials before project and global; default first among them", alice, Requirement{Product: "minio"},
			"minio-eu/s3 http://minio.eu.svc:9000 u-alice-ml"},
		{"user credentials listing projects fit only those projects", Consumer{User: "alice", Project: "other", Zone: "eu"}, Requirement{Product: "minio"},
			"minio-eu/s3 http://minio.eu.svc:9000 u-alice"},
		{"project credentials before global", Consumer{User: "bob", Project: "ml", Zone: "eu"}, Requirement{Product: "minio"},
			"minio-eu/s3 http://minio.eu.svc:9000 p-ml"},
		{"global: default first", Consumer{User: "bob", Project: "other", Zone: "eu"}, Requirement{Product: "minio"},
			"minio-eu/s3 http://minio.eu.svc:9000 g-default"},
		{"no consumer identity: only global credentials", Consumer{Zone: "eu"}, Requirement{ServiceCategory: "model-store"},
			"minio-eu/s3 http://minio.eu.svc:9000 g-default"},
		{"auth service without fitting credentials is left out, even in zone", Consumer{User: "bob", Project: "other", Zone: "us"}, Requirement{Product: "minio"},
			"minio-eu/s3 https://minio-eu.example.com g-default"},
		{"in zone with fitting project credentials", Consumer{User: "bob", Project: "ml", Zone: "us"}, Requirement{Product: "minio"},
			"minio-us/s3 https://minio-us.example.com us-ml"},
		{"explicit endpoint type overrides the zone's preference", Consumer{User: "bob", Project: "ml", Zone: "eu"}, Requirement{Product: "minio", EndpointType: EndpointExternal},
			"minio-eu/s3 https://minio-eu.example.com p-ml"},
		{"explicit internal type outside the zone", Consumer{Zone: "us"}, Requirement{Product: "seldon-core", EndpointType: EndpointInternal},
			"seldon-eu/api http://seldon.eu.svc -"},
		{"internal-only service unreachable from another zone", Consumer{Zone: "us"}, Requirement{Product: "seldon-core"},
			""},
		{"internal-only service reachable in its zone", Consumer{Zone: "eu"}, Requirement{ServiceResource: "seldon-core"},
			"seldon-eu/api http://seldon.eu.svc -"},
		{"no zone at all: every endpoint type", Consumer{}, Requirement{ServiceCategory: "serving"},
			"seldon-eu/api http://seldon.eu.svc -"},
		{"semver range picks the only match", Consumer{User: "bob", Project: "ml", Zone: "eu"}, Requirement{Product: "minio", Version: ">=2024"},
			"minio-us/s3 https://minio-us.example.com us-ml"},
		{"by extension and service id", Consumer{}, Requirement{ExtensionID: "mlflow-eu", ServiceID: "tracker", EndpointType: EndpointExternal},
			"mlflow-eu/tracker https://mlflow-eu.example.com -"},
		{"unknown product", Consumer{}, Requirement{Product: "nope"},
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Name = "req"
			res, err := Resolve(context.Background(), memFinder(fixture()), ResolveRequest{Consumer: tt.consumer, Requirements: []Requirement{tt.req}})
			if tt.want == "" {
				var ue *UnresolvedError
				require.ErrorAs(t, err, &ue)
				assert.Equal(t, "req", ue.Requirement)
				assert.ErrorIs(t, err, ErrUnresolved)
				return
			}
			require.NoError(t, err)
			require.Len(t, res.Accesses, 1)
			a := res.Accesses[0]
			creds := "-"
			if a.Credentials != nil {
				creds = a.Credentials.ID
			}
			assert.Equal(t, tt.want, fmt.Sprintf("%s/%s %s %s", a.Extension.ID, a.Service.ID, a.Endpoint.URL, creds))
			assert.Nil(t, a.Extension.Services, "the descriptor's extension carries no tree")
			assert.Nil(t, a.Service.Endpoints)
		})
	}
}

func TestResolveEnvironment(t *testing.T) {
	res, err := Resolve(context.Background(), memFinder(fixture()), ResolveRequest{
		Consumer: Consumer{User: "bob", Project: "x", Zone: "eu"},
		Requirements: []Requirement{
			{Name: "tracking", Product: "mlflow"},
			{Name: "store", Product: "minio"},
		},
	})
	require.NoError(t, err)
	require.Len(t, res.Accesses, 2)
	assert.Equal(t, map[string]string{"A": "ext", "B": "svc", "C": "internal"}, res.Accesses[0].Env,
		"extension, then service, then endpoint; later ones win")
	assert.Equal(t, map[string]string{"S3": "ext", "KEY": "g-default"}, res.Accesses[1].Env)
	assert.Equal(t, map[string]string{"A": "ext", "B": "svc", "C": "internal", "S3": "ext", "KEY": "g-default"}, res.Env)

	// credentials configuration wins over the extension's
	res, err = Resolve(context.Background(), memFinder(fixture()), ResolveRequest{
		Requirements: []Requirement{{Name: "s", ExtensionID: "minio-eu"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "g-default", res.Accesses[0].Credentials.ID)

	fx := fixture()
	fx[3].Services[0].Credentials = fx[3].Services[0].Credentials[:1] // only "g", which sets S3
	res, err = Resolve(context.Background(), memFinder(fx), ResolveRequest{Requirements: []Requirement{{Name: "s", ExtensionID: "minio-eu"}}})
	require.NoError(t, err)
	assert.Equal(t, "creds", res.Env["S3"])
}

func TestResolveNamesTheFailingRequirement(t *testing.T) {
	_, err := Resolve(context.Background(), memFinder(fixture()), ResolveRequest{Requirements: []Requirement{
		{Name: "ok", Product: "mlflow"}, {Name: "missing", Product: "kfserving"},
	}})
	var ue *UnresolvedError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "missing", ue.Requirement)
	assert.Contains(t, err.Error(), `"missing"`)
}

func TestResolveValidation(t *testing.T) {
	tests := []struct {
		name  string
		req   ResolveRequest
		field string
	}{
		{"no requirements", ResolveRequest{}, "requirements"},
		{"unnamed", ResolveRequest{Requirements: []Requirement{{Product: "x"}}}, "requirements[0].name"},
		{"twice", ResolveRequest{Requirements: []Requirement{{Name: "a"}, {Name: "a"}}}, "requirements[1].name"},
		{"bad type", ResolveRequest{Requirements: []Requirement{{Name: "a", EndpointType: "public"}}}, "requirements[0].endpoint_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), memFinder(nil), tt.req)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
}

// flatten lists what a query returns as "ext/svc url" and "ext/svc #creds" lines.
func flatten(exts []Extension) []string {
	out := []string{}
	for _, e := range exts {
		for _, s := range e.Services {
			for _, p := range s.Endpoints {
				out = append(out, e.ID+"/"+s.ID+" "+p.URL)
			}
			for _, c := range s.Credentials {
				out = append(out, e.ID+"/"+s.ID+" #"+c.ID)
			}
		}
	}
	return out
}

func TestFilterRules(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"zone us: internal endpoints of eu are hidden, eu's seldon is gone; global scope", Query{Zone: "us", CredentialsScope: ScopeGlobal}, []string{
			"mlflow-eu/tracker https://mlflow-eu.example.com",
			"mlflow-us/tracker https://mlflow-us.example.com",
			"mlflow-nightly/tracker https://nightly.example.com",
			"minio-eu/s3 https://minio-eu.example.com", "minio-eu/s3 #g", "minio-eu/s3 #g-default",
		}},
		{"project scope: global and the project's", Query{Product: "minio", Project: "ml"}, []string{
			"minio-eu/s3 http://minio.eu.svc:9000", "minio-eu/s3 https://minio-eu.example.com",
			"minio-eu/s3 #g", "minio-eu/s3 #g-default", "minio-eu/s3 #p-ml",
			"minio-us/s3 https://minio-us.example.com", "minio-us/s3 #us-ml",
		}},
		{"user scope for alice in another project", Query{Product: "minio", User: "alice", Project: "other", EndpointType: EndpointExternal}, []string{
			"minio-eu/s3 https://minio-eu.example.com",
			"minio-eu/s3 #g", "minio-eu/s3 #g-default", "minio-eu/s3 #u-alice",
		}},
		{"service category and strict zone", Query{ServiceCategory: "model-store", Zone: "eu", StrictZone: true, User: "carol"}, []string{
			"minio-eu/s3 http://minio.eu.svc:9000", "minio-eu/s3 https://minio-eu.example.com", "minio-eu/s3 #g", "minio-eu/s3 #g-default",
		}},
		{"version constraint over products", Query{Version: ">=2.0.0 <2024.0.0", EndpointType: EndpointExternal}, []string{
			"mlflow-us/tracker https://mlflow-us.example.com",
			"minio-eu/s3 https://minio-eu.example.com", "minio-eu/s3 #g", "minio-eu/s3 #g-default", "minio-eu/s3 #p-ml", "minio-eu/s3 #u-alice", "minio-eu/s3 #u-alice-ml",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, flatten(Filter(fixture(), tt.q)))
		})
	}
}

func TestFilterWithoutLowerFiltersListsWholeExtensions(t *testing.T) {
	exts := append(fixture(), Extension{ID: "empty", Product: "x"})
	got := Filter(exts, Query{Product: "x"})
	require.Len(t, got, 1)
	assert.Equal(t, "empty", got[0].ID)
	assert.Len(t, Filter(exts, Query{}), len(exts))
}

func TestIdentifiers(t *testing.T) {
	for _, id := range []string{"a", "minio-1", "s3", "0abc"} {
		assert.NoError(t, ValidateID("id", id), id)
	}
	for _, id := range []string{"", "A", "under_score", "-lead", "trail-", "sp ace", string(make([]byte, 101))} {
		var ve *ValidationError
		assert.ErrorAs(t, ValidateID("id", id), &ve, "%q", id)
	}
	for _, prefix := range []string{"mlflow", "Seldon Core!", "", "s3"} {
		id := NewID(prefix)
		assert.NoError(t, ValidateID("id", id), "NewID(%q) = %q", prefix, id)
	}
	assert.Regexp(t, `^seldon-core-[a-z0-9]{8}$`, NewID("Seldon Core!"))
	assert.NotEqual(t, NewID("x"), NewID("x"))
}

func TestPrepareFillsAndValidates(t *testing.T) {
	e := Extension{Product: "mlflow", Services: []Service{{Resource: "s3",
		Endpoints:   []Endpoint{{URL: "http://x"}},
		Credentials: []Credentials{{}},
	}}}
	require.NoError(t, e.Prepare())
	assert.Regexp(t, `^mlflow-[a-z0-9]{8}$`, e.ID)
	s := e.Services[0]
	assert.Regexp(t, `^s3-[a-z0-9]{8}$`, s.ID)
	assert.Equal(t, e.ID, s.ExtensionID)
	assert.Equal(t, EndpointExternal, s.Endpoints[0].Type)
	assert.Equal(t, s.ID, s.Endpoints[0].ServiceID)
	assert.Regexp(t, `^s3-[a-z0-9]{8}$`, s.Credentials[0].ID)
	assert.Equal(t, ScopeGlobal, s.Credentials[0].Scope)

	bad := []struct {
		name  string
		ext   Extension
		field string
	}{
		{"id", Extension{ID: "Bad_ID"}, "id"},
		{"endpoint url", Extension{Services: []Service{{Endpoints: []Endpoint{{URL: "not a url"}}}}}, "services[0].endpoints[0].url"},
		{"password in an endpoint URL", Extension{Services: []Service{{Endpoints: []Endpoint{{URL: "https://u:secret@host"}}}}}, "services[0].endpoints[0].url"},
		{"endpoint type", Extension{Services: []Service{{Endpoints: []Endpoint{{URL: "http://x", Type: "public"}}}}}, "services[0].endpoints[0].type"},
		{"scope", Extension{Services: []Service{{Credentials: []Credentials{{Scope: "team"}}}}}, "services[0].credentials[0].scope"},
		{"project scope without projects", Extension{Services: []Service{{Credentials: []Credentials{{Scope: ScopeProject}}}}}, "services[0].credentials[0].projects"},
		{"user scope without users", Extension{Services: []Service{{Credentials: []Credentials{{Scope: ScopeUser}}}}}, "services[0].credentials[0].users"},
		{"config key", Extension{Configuration: map[string]string{"bad key": "v"}}, "configuration"},
		{"duplicate endpoint", Extension{Services: []Service{{Endpoints: []Endpoint{{URL: "http://x"}, {URL: "http://x"}}}}}, "services[0].endpoints[1].url"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ext.Prepare()
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.True(t, errors.Is(err, ErrInvalid))
		})
	}
}
