// Package input reads what users give fuseml commands besides files: KEY=VALUE
// configuration flags, in FuseML's KEY:VALUE form too.
package input

import (
	"fmt"
	"strings"
)

// Config parses "KEY=VALUE" or FuseML's "KEY:VALUE" entries (the first '=' or ':'
// splits; values may hold either) into a map. A key given twice is an error.
func Config(flag string, entries []string) (map[string]string, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		i := strings.IndexAny(e, "=:")
		if i <= 0 {
			return nil, fmt.Errorf("--%s %q: want KEY=VALUE", flag, e)
		}
		k, v := e[:i], e[i+1:]
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("--%s: key %q given twice", flag, k)
		}
		out[k] = v
	}
	return out, nil
}
