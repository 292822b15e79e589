package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// RegisterApplication reads, decides and writes an application record in one
// transaction (retried once when a concurrent first registration wins the insert).
func (s *DB) RegisterApplication(ctx context.Context, name string, decide func(existing *registry.Application) (registry.Application, error)) (registry.Application, bool, error) {
	defer s.appCache.invalidate() // after the write commits
	var out registry.Application
	var created bool
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.tx(ctx, func(tx *sql.Tx) error {
			query := `SELECT record FROM applications WHERE name = ?`
			if s.postgres {
				query += ` FOR UPDATE`
			}
			var record string
			var existing *registry.Application
			err := tx.QueryRowContext(ctx, s.q(query), name).Scan(&record)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("reading application %q: %w", name, err)
			default:
				existing = new(registry.Application)
				if err := json.Unmarshal([]byte(record), existing); err != nil {
					return fmt.Errorf("decoding application %q: %w", name, err)
				}
			}
			app, err := decide(existing)
			if err != nil {
				return err
			}
			app.Name = name
			if existing == nil {
				_, err = tx.ExecContext(ctx, s.q(`INSERT INTO applications (name, type, workflow, record) VALUES (?, ?, ?, ?)`), name, app.Type, app.Workflow, jsonText(app))
			} else {
				_, err = tx.ExecContext(ctx, s.q(`UPDATE applications SET type = ?, workflow = ?, record = ? WHERE name = ?`), app.Type, app.Workflow, jsonText(app), name)
			}
			if err != nil {
				return fmt.Errorf("storing application %q: %w", name, err)
			}
			out, created = app, existing == nil
			return nil
		})
		if !isUnique(err) {
			break
		}
	}
	if err != nil {
		return registry.Application{}, false, err
	}
	return out, created, nil
}

// GetApplication returns an application.
func (s *DB) GetApplication(ctx context.Context, name string) (registry.Application, error) {
	var record string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT record FROM applications WHERE name = ?`), name).Scan(&record)
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Application{}, fmt.Errorf("application %q: %w", name, registry.ErrNotFound)
	}
	if err != nil {
		return registry.Application{}, fmt.Errorf("reading application %q: %w", name, err)
	}
	var app registry.Application
	if err := json.Unmarshal([]byte(record), &app); err != nil {
		return registry.Application{}, fmt.Errorf("decoding application %q: %w", name, err)
	}
	return app, nil
}

// ListApplications returns the applications passing the filter, by name.
func (s *DB) ListApplications(ctx context.Context, f registry.ApplicationFilter) ([]registry.Application, error) {
	key := f.Type + "\x00" + f.Workflow
	if apps, ok := s.appCache.get(key); ok {
		return cloneApplications(apps), nil
	}
	gen := s.appCache.begin()
	apps, err := s.listApplications(ctx, f)
	if err != nil {
		return nil, err
	}
	s.appCache.put(gen, key, cloneApplications(apps))
	return apps, nil
}

func (s *DB) listApplications(ctx context.Context, f registry.ApplicationFilter) ([]registry.Application, error) {
	query := `SELECT record FROM applications WHERE 1 = 1`
	var args []any
	if f.Type != "" {
		query, args = query+` AND type = ?`, append(args, f.Type)
	}
	if f.Workflow != "" {
		query, args = query+` AND workflow = ?`, append(args, f.Workflow)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+` ORDER BY name`), args...)
	if err != nil {
		return nil, fmt.Errorf("reading applications: %w", err)
	}
	apps := []registry.Application{}
	err = scanAll(rows, func() error {
		var record string
		if err := rows.Scan(&record); err != nil {
			return err
		}
		var app registry.Application
		if err := json.Unmarshal([]byte(record), &app); err != nil {
			return err
		}
		apps = append(apps, app)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading applications: %w", err)
	}
	return apps, nil
}

// DeleteApplication deletes an application record.
func (s *DB) DeleteApplication(ctx context.Context, name string) error {
	defer s.appCache.invalidate() // after the write commits
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM applications WHERE name = ?`), name)
	return affected(res, err, fmt.Sprintf("application %q", name))
}
