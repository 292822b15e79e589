package output

import "errors"

// ErrUnknownFormat is wrapped by ParseFormat's error for a format other than table,
// json or yaml.
var ErrUnknownFormat = errors.New("unknown output format (want table, json or yaml)")

// ErrUnknownColumn is wrapped when --field names neither a column nor a JSON field.
var ErrUnknownColumn = errors.New("unknown column")
