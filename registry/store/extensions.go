package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// CreateExtension stores an extension with its whole tree.
func (s *DB) CreateExtension(ctx context.Context, e registry.Extension) (registry.Extension, error) {
	now := s.now().UTC()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO extensions (id, product, version, zone, description, configuration, registered, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			e.ID, e.Product, e.Version, e.Zone, e.Description, configText(e.Configuration), ts(now), ts(now))
		if isUnique(err) {
			return fmt.Errorf("extension %q: %w", e.ID, registry.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("storing extension %q: %w", e.ID, err)
		}
		for _, svc := range e.Services {
			svc.ExtensionID = e.ID
			if err := s.insertService(ctx, tx, svc, now); err != nil {
				return err
			}
		}
		return nil
	})
	s.extCache.invalidate() // after the commit, before reading back
	if err != nil {
		return registry.Extension{}, err
	}
	return s.GetExtension(ctx, e.ID)
}

func (s *DB) insertService(ctx context.Context, tx *sql.Tx, svc registry.Service, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO services (extension_id, id, resource, category, auth_required, description, configuration, registered, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		svc.ExtensionID, svc.ID, svc.Resource, svc.Category, svc.AuthRequired, svc.Description, configText(svc.Configuration), ts(now), ts(now))
	if isUnique(err) {
		return fmt.Errorf("service %q of extension %q: %w", svc.ID, svc.ExtensionID, registry.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("storing service %q: %w", svc.ID, err)
	}
	for _, p := range svc.Endpoints {
		p.ExtensionID, p.ServiceID = svc.ExtensionID, svc.ID
		if err := s.insertEndpoint(ctx, tx, p); err != nil {
			return err
		}
	}
	for _, c := range svc.Credentials {
		c.ExtensionID, c.ServiceID = svc.ExtensionID, svc.ID
		if err := s.insertCredentials(ctx, tx, c, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *DB) insertEndpoint(ctx context.Context, tx *sql.Tx, p registry.Endpoint) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO endpoints (extension_id, service_id, url, type, configuration) VALUES (?, ?, ?, ?, ?)`),
		p.ExtensionID, p.ServiceID, p.URL, p.Type, configText(p.Configuration))
	if isUnique(err) {
		return fmt.Errorf("endpoint %q of service %q: %w", p.URL, p.ServiceID, registry.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("storing endpoint %q: %w", p.URL, err)
	}
	return nil
}

func (s *DB) insertCredentials(ctx context.Context, tx *sql.Tx, c registry.Credentials, now time.Time) error {
	sealed, err := s.seal([]byte(configText(c.Configuration)))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO credentials (extension_id, service_id, id, scope, is_default, projects, users, sealed_configuration, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		c.ExtensionID, c.ServiceID, c.ID, c.Scope, c.Default, jsonText(nonNil(c.Projects)), jsonText(nonNil(c.Users)), sealed, ts(now), ts(now))
	if isUnique(err) {
		return fmt.Errorf("credentials %q of service %q: %w", c.ID, c.ServiceID, registry.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("storing credentials %q: %w", c.ID, err)
	}
	return nil
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// GetExtension returns an extension with its whole tree.
func (s *DB) GetExtension(ctx context.Context, id string) (registry.Extension, error) {
	exts, err := s.load(ctx, "e.id = ?", id)
	if err != nil {
		return registry.Extension{}, err
	}
	if len(exts) == 0 {
		return registry.Extension{}, fmt.Errorf("extension %q: %w", id, registry.ErrNotFound)
	}
	return exts[0], nil
}

// ListExtensions narrows the candidates in SQL (id, product, strict zone) and applies
// registry.Filter to them.
func (s *DB) ListExtensions(ctx context.Context, q registry.Query) ([]registry.Extension, error) {
	var where []string
	var args []any
	if q.ExtensionID != "" {
		where, args = append(where, "e.id = ?"), append(args, q.ExtensionID)
	}
	if q.Product != "" {
		where, args = append(where, "e.product = ?"), append(args, q.Product)
	}
	if q.StrictZone && q.Zone != "" {
		where, args = append(where, "e.zone = ?"), append(args, q.Zone)
	}
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	exts, err := s.load(ctx, cond, args...)
	if err != nil {
		return nil, err
	}
	return registry.Filter(exts, q), nil
}

// load returns the extensions selected by cond (over the extensions table aliased e)
// with their trees, from the read cache when it has them.
func (s *DB) load(ctx context.Context, cond string, args ...any) ([]registry.Extension, error) {
	key := cond + "\x00" + fmt.Sprint(args...)
	if exts, ok := s.extCache.get(key); ok {
		return cloneExtensions(exts), nil
	}
	gen := s.extCache.begin()
	exts, err := s.loadDB(ctx, cond, args...)
	if err != nil {
		return nil, err
	}
	s.extCache.put(gen, key, cloneExtensions(exts))
	return exts, nil
}

// loadDB reads the extensions selected by cond and their trees, ordered by id
// (services by id, endpoints by URL, credentials by id).
func (s *DB) loadDB(ctx context.Context, cond string, args ...any) ([]registry.Extension, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT e.id, e.product, e.version, e.zone, e.description, e.configuration, e.registered, e.updated FROM extensions e WHERE `+cond+` ORDER BY e.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading extensions: %w", err)
	}
	var exts []registry.Extension
	index := map[string]int{}
	err = scanAll(rows, func() error {
		var e registry.Extension
		var cfg, reg, upd string
		if err := rows.Scan(&e.ID, &e.Product, &e.Version, &e.Zone, &e.Description, &cfg, &reg, &upd); err != nil {
			return err
		}
		var err error
		if e.Configuration, err = parseConfig(cfg); err != nil {
			return err
		}
		e.Status = &registry.Status{Registered: parseTS(reg), Updated: parseTS(upd)}
		index[e.ID] = len(exts)
		exts = append(exts, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading extensions: %w", err)
	}
	if len(exts) == 0 {
		return nil, nil
	}

	// services, then endpoints and credentials, of the selected extensions
	type key struct{ ext, svc string }
	svcAt := map[key][2]int{}
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT s.extension_id, s.id, s.resource, s.category, s.auth_required, s.description, s.configuration, s.registered, s.updated FROM services s JOIN extensions e ON e.id = s.extension_id WHERE `+cond+` ORDER BY s.extension_id, s.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading services: %w", err)
	}
	err = scanAll(rows, func() error {
		var v registry.Service
		var cfg, reg, upd string
		if err := rows.Scan(&v.ExtensionID, &v.ID, &v.Resource, &v.Category, &v.AuthRequired, &v.Description, &cfg, &reg, &upd); err != nil {
			return err
		}
		var err error
		if v.Configuration, err = parseConfig(cfg); err != nil {
			return err
		}
		v.Status = &registry.Status{Registered: parseTS(reg), Updated: parseTS(upd)}
		i := index[v.ExtensionID]
		svcAt[key{v.ExtensionID, v.ID}] = [2]int{i, len(exts[i].Services)}
		exts[i].Services = append(exts[i].Services, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading services: %w", err)
	}

	rows, err = s.db.QueryContext(ctx, s.q(`SELECT p.extension_id, p.service_id, p.url, p.type, p.configuration FROM endpoints p JOIN extensions e ON e.id = p.extension_id WHERE `+cond+` ORDER BY p.extension_id, p.service_id, p.url`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading endpoints: %w", err)
	}
	err = scanAll(rows, func() error {
		var p registry.Endpoint
		var cfg string
		if err := rows.Scan(&p.ExtensionID, &p.ServiceID, &p.URL, &p.Type, &cfg); err != nil {
			return err
		}
		var err error
		if p.Configuration, err = parseConfig(cfg); err != nil {
			return err
		}
		at := svcAt[key{p.ExtensionID, p.ServiceID}]
		svc := &exts[at[0]].Services[at[1]]
		svc.Endpoints = append(svc.Endpoints, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading endpoints: %w", err)
	}

	rows, err = s.db.QueryContext(ctx, s.q(`SELECT c.extension_id, c.service_id, c.id, c.scope, c.is_default, c.projects, c.users, c.sealed_configuration, c.created, c.updated FROM credentials c JOIN extensions e ON e.id = c.extension_id WHERE `+cond+` ORDER BY c.extension_id, c.service_id, c.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading credentials: %w", err)
	}
	err = scanAll(rows, func() error {
		var c registry.Credentials
		var projects, users, sealed, created, updated string
		if err := rows.Scan(&c.ExtensionID, &c.ServiceID, &c.ID, &c.Scope, &c.Default, &projects, &users, &sealed, &created, &updated); err != nil {
			return err
		}
		c.Projects, c.Users = parseList(projects), parseList(users)
		plain, err := s.open(sealed)
		if err != nil {
			return fmt.Errorf("credentials %q: %w", c.ID, err)
		}
		if c.Configuration, err = parseConfig(string(plain)); err != nil {
			return err
		}
		c.Status = &registry.CredentialsStatus{Created: parseTS(created), Updated: parseTS(updated)}
		at := svcAt[key{c.ExtensionID, c.ServiceID}]
		svc := &exts[at[0]].Services[at[1]]
		svc.Credentials = append(svc.Credentials, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading credentials: %w", err)
	}
	return exts, nil
}

func scanAll(rows *sql.Rows, each func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := each(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// UpdateExtension replaces the extension's own fields.
func (s *DB) UpdateExtension(ctx context.Context, e registry.Extension) (registry.Extension, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE extensions SET product = ?, version = ?, zone = ?, description = ?, configuration = ?, updated = ? WHERE id = ?`),
		e.Product, e.Version, e.Zone, e.Description, configText(e.Configuration), ts(s.now()), e.ID)
	s.extCache.invalidate()
	if err := affected(res, err, fmt.Sprintf("extension %q", e.ID)); err != nil {
		return registry.Extension{}, err
	}
	return s.GetExtension(ctx, e.ID)
}

// DeleteExtension deletes an extension and its whole tree.
func (s *DB) DeleteExtension(ctx context.Context, id string) error {
	defer s.extCache.invalidate() // after the write commits
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM extensions WHERE id = ?`), id)
	return affected(res, err, fmt.Sprintf("extension %q", id))
}

func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, registry.ErrNotFound)
	}
	return nil
}

// CreateService adds a service, with its endpoints and credentials, to an extension.
func (s *DB) CreateService(ctx context.Context, v registry.Service) (registry.Service, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.exists(ctx, tx, `SELECT 1 FROM extensions WHERE id = ?`, fmt.Sprintf("extension %q", v.ExtensionID), v.ExtensionID); err != nil {
			return err
		}
		return s.insertService(ctx, tx, v, s.now().UTC())
	})
	s.extCache.invalidate() // after the commit, before reading back
	if err != nil {
		return registry.Service{}, err
	}
	return s.GetService(ctx, v.ExtensionID, v.ID)
}

func (s *DB) exists(ctx context.Context, tx *sql.Tx, query, what string, args ...any) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, registry.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	return nil
}

// GetService returns a service with its endpoints and credentials.
func (s *DB) GetService(ctx context.Context, extensionID, id string) (registry.Service, error) {
	e, err := s.GetExtension(ctx, extensionID)
	if err != nil {
		return registry.Service{}, err
	}
	for _, v := range e.Services {
		if v.ID == id {
			return v, nil
		}
	}
	return registry.Service{}, fmt.Errorf("service %q of extension %q: %w", id, extensionID, registry.ErrNotFound)
}

// ListServices returns the services of an extension, with their trees.
func (s *DB) ListServices(ctx context.Context, extensionID string) ([]registry.Service, error) {
	e, err := s.GetExtension(ctx, extensionID)
	if err != nil {
		return nil, err
	}
	return nonNilSlice(e.Services), nil
}

func nonNilSlice[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// UpdateService replaces the service's own fields.
func (s *DB) UpdateService(ctx context.Context, v registry.Service) (registry.Service, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE services SET resource = ?, category = ?, auth_required = ?, description = ?, configuration = ?, updated = ? WHERE extension_id = ? AND id = ?`),
		v.Resource, v.Category, v.AuthRequired, v.Description, configText(v.Configuration), ts(s.now()), v.ExtensionID, v.ID)
	s.extCache.invalidate()
	if err := affected(res, err, fmt.Sprintf("service %q of extension %q", v.ID, v.ExtensionID)); err != nil {
		return registry.Service{}, err
	}
	return s.GetService(ctx, v.ExtensionID, v.ID)
}

// DeleteService deletes a service with its endpoints and credentials.
func (s *DB) DeleteService(ctx context.Context, extensionID, id string) error {
	defer s.extCache.invalidate() // after the write commits
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM services WHERE extension_id = ? AND id = ?`), extensionID, id)
	return affected(res, err, fmt.Sprintf("service %q of extension %q", id, extensionID))
}

func (s *DB) serviceExists(ctx context.Context, tx *sql.Tx, extensionID, serviceID string) error {
	if err := s.exists(ctx, tx, `SELECT 1 FROM extensions WHERE id = ?`, fmt.Sprintf("extension %q", extensionID), extensionID); err != nil {
		return err
	}
	return s.exists(ctx, tx, `SELECT 1 FROM services WHERE extension_id = ? AND id = ?`, fmt.Sprintf("service %q of extension %q", serviceID, extensionID), extensionID, serviceID)
}

// CreateEndpoint adds an endpoint to a service.
func (s *DB) CreateEndpoint(ctx context.Context, p registry.Endpoint) (registry.Endpoint, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.serviceExists(ctx, tx, p.ExtensionID, p.ServiceID); err != nil {
			return err
		}
		return s.insertEndpoint(ctx, tx, p)
	})
	s.extCache.invalidate() // after the commit, before reading back
	if err != nil {
		return registry.Endpoint{}, err
	}
	return s.GetEndpoint(ctx, p.ExtensionID, p.ServiceID, p.URL)
}

// GetEndpoint returns one endpoint of a service.
func (s *DB) GetEndpoint(ctx context.Context, extensionID, serviceID, u string) (registry.Endpoint, error) {
	v, err := s.GetService(ctx, extensionID, serviceID)
	if err != nil {
		return registry.Endpoint{}, err
	}
	for _, p := range v.Endpoints {
		if p.URL == u {
			return p, nil
		}
	}
	return registry.Endpoint{}, fmt.Errorf("endpoint %q of service %q: %w", u, serviceID, registry.ErrNotFound)
}

// ListEndpoints returns the endpoints of a service.
func (s *DB) ListEndpoints(ctx context.Context, extensionID, serviceID string) ([]registry.Endpoint, error) {
	v, err := s.GetService(ctx, extensionID, serviceID)
	if err != nil {
		return nil, err
	}
	return nonNilSlice(v.Endpoints), nil
}

// UpdateEndpoint replaces the endpoint's type and configuration.
func (s *DB) UpdateEndpoint(ctx context.Context, p registry.Endpoint) (registry.Endpoint, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE endpoints SET type = ?, configuration = ? WHERE extension_id = ? AND service_id = ? AND url = ?`),
		p.Type, configText(p.Configuration), p.ExtensionID, p.ServiceID, p.URL)
	s.extCache.invalidate()
	if err := affected(res, err, fmt.Sprintf("endpoint %q of service %q", p.URL, p.ServiceID)); err != nil {
		return registry.Endpoint{}, err
	}
	return s.GetEndpoint(ctx, p.ExtensionID, p.ServiceID, p.URL)
}

// DeleteEndpoint deletes an endpoint.
func (s *DB) DeleteEndpoint(ctx context.Context, extensionID, serviceID, u string) error {
	defer s.extCache.invalidate() // after the write commits
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM endpoints WHERE extension_id = ? AND service_id = ? AND url = ?`), extensionID, serviceID, u)
	return affected(res, err, fmt.Sprintf("endpoint %q of service %q", u, serviceID))
}

// CreateCredentials adds a set of credentials to a service.
func (s *DB) CreateCredentials(ctx context.Context, c registry.Credentials) (registry.Credentials, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.serviceExists(ctx, tx, c.ExtensionID, c.ServiceID); err != nil {
			return err
		}
		return s.insertCredentials(ctx, tx, c, s.now().UTC())
	})
	s.extCache.invalidate() // after the commit, before reading back
	if err != nil {
		return registry.Credentials{}, err
	}
	return s.GetCredentials(ctx, c.ExtensionID, c.ServiceID, c.ID)
}

// GetCredentials returns one set of credentials of a service.
func (s *DB) GetCredentials(ctx context.Context, extensionID, serviceID, id string) (registry.Credentials, error) {
	v, err := s.GetService(ctx, extensionID, serviceID)
	if err != nil {
		return registry.Credentials{}, err
	}
	for _, c := range v.Credentials {
		if c.ID == id {
			return c, nil
		}
	}
	return registry.Credentials{}, fmt.Errorf("credentials %q of service %q: %w", id, serviceID, registry.ErrNotFound)
}

// ListCredentials returns the credentials of a service.
func (s *DB) ListCredentials(ctx context.Context, extensionID, serviceID string) ([]registry.Credentials, error) {
	v, err := s.GetService(ctx, extensionID, serviceID)
	if err != nil {
		return nil, err
	}
	return nonNilSlice(v.Credentials), nil
}

// UpdateCredentials replaces the credentials' scope, default flag, lists and configuration.
func (s *DB) UpdateCredentials(ctx context.Context, c registry.Credentials) (registry.Credentials, error) {
	sealed, err := s.seal([]byte(configText(c.Configuration)))
	if err != nil {
		return registry.Credentials{}, err
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE credentials SET scope = ?, is_default = ?, projects = ?, users = ?, sealed_configuration = ?, updated = ? WHERE extension_id = ? AND service_id = ? AND id = ?`),
		c.Scope, c.Default, jsonText(nonNil(c.Projects)), jsonText(nonNil(c.Users)), sealed, ts(s.now()), c.ExtensionID, c.ServiceID, c.ID)
	s.extCache.invalidate()
	if err := affected(res, err, fmt.Sprintf("credentials %q of service %q", c.ID, c.ServiceID)); err != nil {
		return registry.Credentials{}, err
	}
	return s.GetCredentials(ctx, c.ExtensionID, c.ServiceID, c.ID)
}

// DeleteCredentials deletes a set of credentials.
func (s *DB) DeleteCredentials(ctx context.Context, extensionID, serviceID, id string) error {
	defer s.extCache.invalidate() // after the write commits
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM credentials WHERE extension_id = ? AND service_id = ? AND id = ?`), extensionID, serviceID, id)
	return affected(res, err, fmt.Sprintf("credentials %q of service %q", id, serviceID))
}
