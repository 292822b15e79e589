// Package output prints what fuseml commands show, in the format the user asks for:
// kubectl-like tables (upper-case headers, aligned columns, one row per item, sorted
// by the caller), JSON or YAML with the registry's own field names. It also gives the
// --format/-o and --field/-c flags that every listing command shares.
package output
