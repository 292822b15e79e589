package flow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Finding is a credential value found where none may be.
type Finding struct {
	// Where names the log file or the object; Secret names the credential, not its value.
	Where, Secret string
	// Line is the line number in a log file (0 for an object).
	Line int
	// Form is how the value was written: plain, base64, URL-encoded or JSON-escaped.
	Form string
}

func (f Finding) String() string {
	form := ""
	if f.Form != "" && f.Form != FormPlain {
		form = " (" + f.Form + ")"
	}
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d holds %s%s", f.Where, f.Line, f.Secret, form)
	}
	return fmt.Sprintf("%s holds %s%s", f.Where, f.Secret, form)
}

// The forms a credential value is looked for in.
const (
	FormPlain  = "plain"
	FormBase64 = "base64"
	FormURL    = "URL-encoded"
	FormJSON   = "JSON-escaped"
)

// minEncodedLen is the shortest base64 fragment looked for: shorter ones would turn up
// by chance in any long base64 text.
const minEncodedLen = 12

// form is one way of writing a credential value.
type form struct {
	name, text string
}

// encodings returns the texts that give a credential value away, by form: the value as it
// is; URL-encoded (query and path escaping) and JSON-escaped where that changes it; and
// base64, in the standard and URL alphabets, as the characters that encode only the
// value's own bits at each of the three alignments it can have inside a longer encoded
// text (a Secret's data, a token in a header), so that it is found there too.
func encodings(value string) []form {
	if value == "" {
		return nil
	}
	out := []form{{FormPlain, value}}
	add := func(name, text string) {
		for _, f := range out {
			if f.text == text {
				return
			}
		}
		out = append(out, form{name, text})
	}
	add(FormURL, url.QueryEscape(value))
	add(FormURL, url.PathEscape(value))
	if j, err := json.Marshal(value); err == nil {
		add(FormJSON, string(j[1:len(j)-1]))
	}
	add(FormJSON, strings.Trim(strconv.Quote(value), `"`))
	n := len(value)
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), value...))
		// character i encodes bits [6i, 6i+6); the value holds bits [8k, 8(k+n))
		start, end := (8*k+5)/6, 8*(k+n)/6
		if end-start < minEncodedLen {
			continue
		}
		frag := enc[start:end]
		add(FormBase64, frag)
		add(FormBase64, strings.NewReplacer("+", "-", "/", "_").Replace(frag))
	}
	return out
}

// ScanText looks for each credential value (by name), in each of its encodings, in every
// line of text. A line holding a value in several forms is one finding.
func ScanText(where, text string, secrets map[string]string) []Finding {
	names := make([]string, 0, len(secrets))
	forms := map[string][]form{}
	for name, value := range secrets {
		if value != "" {
			names = append(names, name)
			forms[name] = encodings(value)
		}
	}
	sort.Strings(names)
	var out []Finding
	for i, line := range strings.Split(text, "\n") {
		for _, name := range names {
			for _, f := range forms[name] {
				if strings.Contains(line, f.text) {
					out = append(out, Finding{Where: where, Secret: name, Line: i + 1, Form: f.name})
					break
				}
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
