package store

import (
	"maps"
	"slices"
	"sync"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// readCache keeps decoded query results until the next write. Every write bumps the
// generation after it commits; a reader stores its result only if the generation has
// not moved since it began reading, so a result read before a write is never kept
// after it. It is used with SQLite only, where this process is the only writer.
type readCache[T any] struct {
	mu      sync.Mutex
	on      bool
	gen     uint64
	entries map[string]T
}

const maxCacheEntries = 1024

func (c *readCache[T]) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *readCache[T]) get(key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[key]
	return v, ok && c.on
}

func (c *readCache[T]) put(gen uint64, key string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCacheEntries {
		c.entries = map[string]T{}
	}
	c.entries[key] = v
}

// invalidate is called after every committed write.
func (c *readCache[T]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}

// cloneExtensions deep-copies trees so that no caller shares the cache's maps.
func cloneExtensions(in []registry.Extension) []registry.Extension {
	if in == nil {
		return nil
	}
	out := make([]registry.Extension, len(in))
	for i, e := range in {
		e.Configuration = maps.Clone(e.Configuration)
		if e.Status != nil {
			st := *e.Status
			e.Status = &st
		}
		if e.Services != nil {
			svcs := make([]registry.Service, len(e.Services))
			for j, s := range e.Services {
				s.Configuration = maps.Clone(s.Configuration)
				if s.Status != nil {
					st := *s.Status
					s.Status = &st
				}
				if s.Endpoints != nil {
					eps := make([]registry.Endpoint, len(s.Endpoints))
					for k, p := range s.Endpoints {
						p.Configuration = maps.Clone(p.Configuration)
						eps[k] = p
					}
					s.Endpoints = eps
				}
				if s.Credentials != nil {
					creds := make([]registry.Credentials, len(s.Credentials))
					for k, c := range s.Credentials {
						c.Configuration = maps.Clone(c.Configuration)
						c.Projects, c.Users = slices.Clone(c.Projects), slices.Clone(c.Users)
						if c.Status != nil {
							st := *c.Status
							c.Status = &st
						}
						creds[k] = c
					}
					s.Credentials = creds
				}
				svcs[j] = s
			}
			e.Services = svcs
		}
		out[i] = e
	}
	return out
}

func cloneApplications(in []registry.Application) []registry.Application {
	out := make([]registry.Application, len(in))
	for i, a := range in {
		a.K8sResources = slices.Clone(a.K8sResources)
		a.History = slices.Clone(a.History)
		if a.Status != nil {
			st := *a.Status
			a.Status = &st
		}
		out[i] = a
	}
	return out
}
