package flow

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
)

// Finding is a credential value found where none may be.
type Finding struct {
	// Where names the log file or the object; Secret names the credential, not its value.
	Where, Secret string
	// Line is the line number in a log file (0 for an object).
	Line int
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d holds %s", f.Where, f.Line, f.Secret)
	}
	return fmt.Sprintf("%s holds %s", f.Where, f.Secret)
}

// ScanText looks for each credential value (by name), as it is and base64-encoded, in
// every line of text.
func ScanText(where, text string, secrets map[string]string) []Finding {
	var out []Finding
	for i, line := range strings.Split(text, "\n") {
		for name, value := range secrets {
			if value == "" {
				continue
			}
			if strings.Contains(line, value) || strings.Contains(line, base64.StdEncoding.EncodeToString([]byte(value))) {
				out = append(out, Finding{Where: where, Secret: name, Line: i + 1})
			}
		}
	}
	return out
}

// ScanFiles runs ScanText over files.
func ScanFiles(files []string, secrets map[string]string) ([]Finding, error) {
	var out []Finding
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		out = append(out, ScanText(file, string(data), secrets)...)
	}
	return out, nil
}
