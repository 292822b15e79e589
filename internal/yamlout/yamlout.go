// Package yamlout writes YAML that reads back as what was written, whatever characters
// its strings hold.
package yamlout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// Marshal is sigs.k8s.io/yaml's Marshal (JSON, then YAML read from the JSON) with
// the characters that YAML may not hold raw escaped in the JSON first: encoding/json
// leaves DEL, the C1 controls and U+FFFE/U+FFFF raw, and the YAML reader then refuses
// the whole document ("control characters are not allowed"); it leaves U+0085 raw too,
// which YAML reads as a line break and folds into a space. Escaped, they come out as
// YAML escapes and read back as the same string.
func Marshal(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(escapeNonYAML(data))
}

// escapeNonYAML rewrites, as \uXXXX, each character of a JSON document that YAML does
// not read back as itself when raw: all but tab, newline, carriage return, printable
// ASCII, U+00A0-U+D7FF, U+E000-U+FFFD and U+10000 and above. encoding/json already
// escapes the C0 controls and writes only ASCII outside strings, so each such character
// is inside a string, and never right after a backslash that escapes it.
func escapeNonYAML(data []byte) []byte {
	var b bytes.Buffer
	rest := data
	for len(rest) > 0 {
		r, size := utf8.DecodeRune(rest)
		if yamlAllows(r) {
			b.Write(rest[:size])
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		rest = rest[size:]
	}
	return b.Bytes()
}

func yamlAllows(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r >= 0x20 && r <= 0x7e,
		r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}
