// Package store keeps the registry's extensions and applications in a SQL database:
// embedded SQLite (a pure-Go driver, WAL) by default, or PostgreSQL (pgx) for shared
// use. Both run the same SQL and the same migrations, and pass the same behaviour
// suite. Credentials configuration is sealed (encrypted) before it reaches the
// database.
package store
