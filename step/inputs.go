package step

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// DefaultNamespace is the workflow namespace when the workflow engine sets none.
const DefaultNamespace = "fuseml-workloads"

// ParseLimits reads FUSEML_RESOURCES_LIMITS, e.g. "cpu=2,memory=4Gi", into resource
// limits; each value must be a Kubernetes quantity.
func ParseLimits(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, &InputError{Input: "FUSEML_RESOURCES_LIMITS", Reason: fmt.Sprintf("%q: expected name=quantity pairs separated by commas, e.g. cpu=2,memory=4Gi", part)}
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, &InputError{Input: "FUSEML_RESOURCES_LIMITS", Reason: fmt.Sprintf("%s=%q: not a Kubernetes quantity (e.g. 500m, 2, 4Gi)", k, v)}
		}
		if _, dup := out[k]; dup {
			return nil, &InputError{Input: "FUSEML_RESOURCES_LIMITS", Reason: fmt.Sprintf("%s given twice", k)}
		}
		out[k] = q.String()
	}
	return out, nil
}

// MaxAppNameLength keeps application names valid as DNS labels, which Seldon builds
// service and host names from.
const MaxAppNameLength = 63

var (
	dnsLabel   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	notDNSChar = regexp.MustCompile(`[^a-z0-9-]+`)
	dashes     = regexp.MustCompile(`-{2,}`)
)

// Codeset is the FuseML codeset the step runs in, read from .fuseml/_org and
// .fuseml/_project in the working directory.
type Codeset struct{ Org, Project string }

// ReadCodeset reads the codeset of dir; ok is false when dir holds none.
func ReadCodeset(dir string) (c Codeset, ok bool) {
	org, err1 := os.ReadFile(filepath.Join(dir, ".fuseml", "_org"))
	project, err2 := os.ReadFile(filepath.Join(dir, ".fuseml", "_project"))
	if err1 != nil || err2 != nil {
		return Codeset{}, false
	}
	c = Codeset{Org: strings.TrimSpace(string(org)), Project: strings.TrimSpace(string(project))}
	return c, c.Org != "" && c.Project != ""
}

// AppName resolves the application name by FuseML's rules: the explicit name when given;
// otherwise <org>-<project>-<workflow> for a codeset; otherwise <workflow>-<random>, with a
// warning that every run creates a new service. A name that is not a valid Kubernetes name
// is normalised (lowercased, other characters made '-') with a note saying so, and refused
// when nothing valid remains.
func AppName(explicit, workflow string, codeset *Codeset) (name string, notes []string, err error) {
	source := "FUSEML_APP_NAME"
	switch {
	case strings.TrimSpace(explicit) != "":
		name = strings.TrimSpace(explicit)
	case codeset != nil:
		if workflow == "" {
			return "", nil, &InputError{Input: "FUSEML_ENV_WORKFLOW_NAME", Reason: "not set; it names the application together with the codeset (or set FUSEML_APP_NAME)"}
		}
		name = codeset.Org + "-" + codeset.Project + "-" + workflow
		source = "the application name made from the codeset and workflow"
	default:
		if workflow == "" {
			return "", nil, &InputError{Input: "FUSEML_APP_NAME", Reason: "not set, and neither a codeset nor FUSEML_ENV_WORKFLOW_NAME to make one from"}
		}
		name = workflow + "-" + randomSuffix()
		source = "the application name made from the workflow"
		notes = append(notes, fmt.Sprintf("no FUSEML_APP_NAME and no codeset: using %q; every run will create a new prediction service", name))
	}
	norm := normalise(name)
	if norm == "" {
		return "", nil, &InputError{Input: "FUSEML_APP_NAME", Reason: fmt.Sprintf("%q: no valid Kubernetes name can be made of it (lowercase letters, digits and '-', at most %d characters)", name, MaxAppNameLength)}
	}
	if norm != name {
		notes = append(notes, fmt.Sprintf("%s %q is not a valid Kubernetes name; using %q", source, name, norm))
	}
	return norm, notes, nil
}

func normalise(s string) string {
	n := notDNSChar.ReplaceAllString(strings.ToLower(s), "-")
	n = dashes.ReplaceAllString(n, "-")
	n = strings.Trim(n, "-")
	if len(n) > MaxAppNameLength {
		n = strings.TrimRight(n[:MaxAppNameLength], "-")
	}
	if !dnsLabel.MatchString(n) {
		return ""
	}
	return n
}

func randomSuffix() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}
