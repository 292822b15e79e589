package flow

import "encoding/base64"

// decodeBase64 decodes a Secret's data value.
func decodeBase64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}
