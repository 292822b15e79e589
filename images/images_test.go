package images

import (
	"bytes"
	"encoding/json"
	"go/build"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"sigs.k8s.io/yaml"
)

// Each image: its folder under images/, the command it builds, and what the final
// image runs.
var imageTable = []struct {
	name       string
	entrypoint []string
	cmd        []string // nil: no CMD
	onPath     []string // names that must resolve on the image's PATH
}{
	{name: "seldon-core-predictor", entrypoint: []string{"/usr/local/bin/seldon-core-predictor"}, cmd: []string{"run"}, onPath: []string{"seldon-core-predictor", "run"}},
	{name: "fuseml-registry", entrypoint: []string{"/usr/local/bin/fuseml-registry"}, cmd: []string{"serve"}, onPath: []string{"fuseml-registry"}},
	{name: "fuseml", entrypoint: []string{"/usr/local/bin/fuseml"}, onPath: []string{"fuseml"}},
}

const (
	// finalBase is the runtime base: distroless static (CA certificates, tzdata,
	// /etc/passwd with nonroot as 65532), optionally pinned further by digest.
	finalBase = "gcr.io/distroless/static-debian12:nonroot"
	// nonRootUser is distroless's nonroot user and group.
	nonRootUser = "65532:65532"
	// distrolessPath is the PATH distroless images set (the Dockerfiles do not change it).
	distrolessPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// builderImage is golang at an exact patch release, optionally with a distribution suffix.
var builderImage = regexp.MustCompile(`^golang:(1\.\d+)\.(\d+)(-[a-z]+)?(@sha256:[0-9a-f]{64})?$`)

// TestDockerfiles parses each Dockerfile with BuildKit's own parser (the one docker
// build uses) and checks what the image promises: a static, version-stamped build of
// the right command on a pinned distroless non-root base, with the right entrypoint.
func TestDockerfiles(t *testing.T) {
	root := repoRoot(t)
	module := readModule(t, root)
	for _, img := range imageTable {
		t.Run(img.name, func(t *testing.T) {
			file := filepath.Join(root, "images", img.name, "Dockerfile")
			stages := parseDockerfile(t, file)
			if len(stages) < 2 {
				t.Fatalf("%s: %d stages; want a build stage and a runtime stage", file, len(stages))
			}
			builder, final := stages[0], stages[len(stages)-1]

			// Bases: a pinned Go builder no older than go.mod's go line, and distroless.
			m := builderImage.FindStringSubmatch(builder.BaseName)
			if m == nil {
				t.Errorf("build stage FROM %q: want golang at a pinned patch release (golang:1.N.P)", builder.BaseName)
			} else if m[1] != goMinor(module.goVersion) {
				t.Errorf("build stage FROM %q: go.mod says go %s", builder.BaseName, module.goVersion)
			}
			if base, _, _ := strings.Cut(final.BaseName, "@sha256:"); base != finalBase {
				t.Errorf("final stage FROM %q, want %s", final.BaseName, finalBase)
			}

			// The build: CGO off, the version stamped, the command's package built.
			if v, ok := stageEnv(builder)["CGO_ENABLED"]; !ok || v != "0" {
				t.Errorf("build stage: CGO_ENABLED=%q, want ENV CGO_ENABLED=0", v)
			}
			if !declaresArg(builder, "VERSION") {
				t.Errorf("build stage: no ARG VERSION")
			}
			script := buildScript(t, builder)
			stamp := "-X " + module.path + "/internal/version.Version=${VERSION}"
			if !strings.Contains(script, stamp) {
				t.Errorf("build stage: the go build does not stamp the version with %q:\n%s", stamp, script)
			}
			versionPkg := filepath.Join(root, "internal", "version")
			if src, err := os.ReadFile(filepath.Join(versionPkg, "version.go")); err != nil || !regexp.MustCompile(`(?m)^var Version = `).Match(src) {
				t.Errorf("%s: no `var Version` to stamp (%v)", versionPkg, err)
			}
			if m := regexp.MustCompile(`CGO_ENABLED=(\S*)`).FindStringSubmatch(script); m != nil && m[1] != "0" {
				t.Errorf("build stage: the go build sets CGO_ENABLED=%s", m[1])
			}
			target := "./cmd/" + img.name
			if !slices.Contains(strings.Fields(script), target) {
				t.Errorf("build stage: does not build %s:\n%s", target, script)
			}
			pkg, err := build.Default.ImportDir(filepath.Join(root, "cmd", img.name), 0)
			if err != nil || pkg.Name != "main" {
				t.Errorf("%s: not a main package in the repository: %v", target, err)
			}

			// The runtime stage: non-root, and the entrypoint is a file the build put there.
			if u := lastUser(final); u != nonRootUser {
				t.Errorf("final stage USER %q, want %s (distroless nonroot, numeric so that runAsNonRoot can check it)", u, nonRootUser)
			}
			files := finalFiles(t, builder, final, script)
			ep := execForm(t, final, "ENTRYPOINT")
			if !slices.Equal(ep, img.entrypoint) {
				t.Errorf("ENTRYPOINT %q, want %q", ep, img.entrypoint)
			}
			if len(ep) > 0 && !slices.Contains(files, ep[0]) {
				t.Errorf("ENTRYPOINT %s: the build puts no file there (it makes %q)", ep[0], files)
			}
			if cmd := execForm(t, final, "CMD"); !slices.Equal(cmd, img.cmd) {
				t.Errorf("CMD %q, want %q", cmd, img.cmd)
			}
			for _, name := range img.onPath {
				if resolve(name, files) == "" {
					t.Errorf("%q does not resolve on the image's PATH %s (the image holds %q)", name, distrolessPath, files)
				}
			}
		})
	}
}

// TestStepImageRunsTektonCommand checks that what the Tekton Task and the compiled
// Pipelines run, `command: [run]`, resolves in the step image.
func TestStepImageRunsTektonCommand(t *testing.T) {
	root := repoRoot(t)
	task, err := os.ReadFile(filepath.Join(root, "workflows", "tasks", "seldon-core-predictor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var commands [][]string
	for doc := range bytes.SplitSeq(task, []byte("\n---\n")) {
		var obj struct {
			Kind string `json:"kind"`
			Spec struct {
				Steps []struct {
					Command []string `json:"command"`
				} `json:"steps"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatal(err)
		}
		if obj.Kind == "Task" {
			for _, s := range obj.Spec.Steps {
				commands = append(commands, s.Command)
			}
		}
	}
	if len(commands) == 0 {
		t.Fatal("the Task has no steps")
	}
	stages := parseDockerfile(t, filepath.Join(root, "images", "seldon-core-predictor", "Dockerfile"))
	builder, final := stages[0], stages[len(stages)-1]
	files := finalFiles(t, builder, final, buildScript(t, builder))
	for _, cmd := range commands {
		if len(cmd) == 0 || resolve(cmd[0], files) != "/usr/local/bin/run" && resolve(cmd[0], files) != "/usr/local/bin/seldon-core-predictor" {
			t.Errorf("the Task's step command %q does not resolve to the predictor in the image (it holds %q)", cmd, files)
		}
	}
}

// TestDockerignore checks that the build context keeps every file that the commands'
// packages compile or embed, and leaves out the repository's heavy folders.
func TestDockerignore(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".git", ".tools", "bin"} {
		if ok, _ := pm.MatchesOrParentMatches(p); !ok {
			t.Errorf(".dockerignore does not leave out %s", p)
		}
	}
	for _, p := range []string{"go.mod", "go.sum"} {
		if ok, _ := pm.MatchesOrParentMatches(p); ok {
			t.Errorf(".dockerignore leaves out %s, which the build needs", p)
		}
	}
	if testing.Short() {
		t.Skip("-short: not listing the commands' packages with go list")
	}
	for _, img := range imageTable {
		out, err := exec.Command("go", "list", "-C", root, "-deps", "-json=Dir,Module,GoFiles,EmbedFiles", "./cmd/"+img.name).Output()
		if err != nil {
			t.Fatalf("go list ./cmd/%s: %v", img.name, err)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for dec.More() {
			var p struct {
				Dir                 string
				Module              *struct{ Main bool }
				GoFiles, EmbedFiles []string
			}
			if err := dec.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if p.Module == nil || !p.Module.Main {
				continue
			}
			for _, name := range slices.Concat(p.GoFiles, p.EmbedFiles) {
				rel, err := filepath.Rel(root, filepath.Join(p.Dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if ok, _ := pm.MatchesOrParentMatches(filepath.ToSlash(rel)); ok {
					t.Errorf("%s: .dockerignore leaves out %s, which it compiles", img.name, rel)
				}
			}
		}
	}
}

func parseDockerfile(t *testing.T, file string) []instructions.Stage {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, w := range res.Warnings {
		t.Errorf("%s: %s", file, w.Short)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return stages
}

func stageEnv(s instructions.Stage) map[string]string {
	env := map[string]string{}
	for _, c := range s.Commands {
		if e, ok := c.(*instructions.EnvCommand); ok {
			for _, kv := range e.Env {
				env[kv.Key] = kv.Value
			}
		}
	}
	return env
}

func declaresArg(s instructions.Stage, name string) bool {
	for _, c := range s.Commands {
		if a, ok := c.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				if kv.Key == name {
					return true
				}
			}
		}
	}
	return false
}

// buildScript returns the shell command of the stage's one RUN that calls go build.
func buildScript(t *testing.T, s instructions.Stage) string {
	t.Helper()
	var scripts []string
	for _, c := range s.Commands {
		if r, ok := c.(*instructions.RunCommand); ok {
			if script := strings.Join(r.CmdLine, " "); strings.Contains(script, "go build") {
				scripts = append(scripts, script)
			}
		}
	}
	if len(scripts) != 1 {
		t.Fatalf("stage %s: %d RUNs with go build, want 1", s.Name, len(scripts))
	}
	return scripts[0]
}

func lastUser(s instructions.Stage) string {
	user := ""
	for _, c := range s.Commands {
		if u, ok := c.(*instructions.UserCommand); ok {
			user = u.User
		}
	}
	return user
}

// execForm returns the stage's last ENTRYPOINT or CMD, which must be in exec (JSON)
// form: a shell form would need a shell, and distroless has none.
func execForm(t *testing.T, s instructions.Stage, name string) []string {
	t.Helper()
	var line *instructions.ShellDependantCmdLine
	for _, c := range s.Commands {
		switch c := c.(type) {
		case *instructions.EntrypointCommand:
			if name == "ENTRYPOINT" {
				line = &c.ShellDependantCmdLine
			}
		case *instructions.CmdCommand:
			if name == "CMD" {
				line = &c.ShellDependantCmdLine
			}
		}
	}
	if line == nil {
		return nil
	}
	if line.PrependShell {
		t.Errorf("%s %q is in shell form; distroless has no shell", name, line.CmdLine)
	}
	return line.CmdLine
}

// finalFiles returns the absolute paths, in the final image, of what the build
// stage's script makes (go build -o FILE, then ln -s TARGET LINK to a file made
// before) and the final stage copies from it.
func finalFiles(t *testing.T, build, final instructions.Stage, script string) []string {
	t.Helper()
	words := strings.Fields(script)
	var made []string
	for i, w := range words {
		switch {
		case w == "-o" && i+1 < len(words):
			made = append(made, words[i+1])
		case w == "ln" && i+3 < len(words) && words[i+1] == "-s":
			target, link := words[i+2], words[i+3]
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(link), target)
			}
			if !slices.Contains(made, target) {
				t.Errorf("the link %s points at %s, which the build does not make (it makes %q)", link, target, made)
			}
			made = append(made, link)
		}
	}
	var files []string
	for _, c := range final.Commands {
		cp, ok := c.(*instructions.CopyCommand)
		if !ok || cp.From != build.Name {
			continue
		}
		for _, src := range cp.SourcePaths {
			for _, m := range made {
				switch {
				case m == src:
					dest := cp.DestPath
					if strings.HasSuffix(dest, "/") {
						dest = path.Join(dest, path.Base(m))
					}
					files = append(files, dest)
				case strings.HasSuffix(src, "/") && strings.HasPrefix(m, src):
					files = append(files, path.Join(cp.DestPath, strings.TrimPrefix(m, src)))
				}
			}
		}
	}
	if len(files) == 0 {
		t.Fatalf("the final stage copies nothing that the build stage makes (%q)", made)
	}
	return files
}

// resolve finds name on the distroless PATH among files, as exec would.
func resolve(name string, files []string) string {
	if strings.Contains(name, "/") {
		if slices.Contains(files, name) {
			return name
		}
		return ""
	}
	for dir := range strings.SplitSeq(distrolessPath, ":") {
		if p := path.Join(dir, name); slices.Contains(files, p) {
			return p
		}
	}
	return ""
}

func goMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	return root
}

type module struct{ path, goVersion string }

// readModule reads the module path and go line of go.mod.
func readModule(t *testing.T, root string) module {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var m module
	for line := range strings.SplitSeq(string(data), "\n") {
		switch f := strings.Fields(line); {
		case len(f) == 2 && f[0] == "module":
			m.path = f[1]
		case len(f) == 2 && f[0] == "go":
			m.goVersion = f[1]
		}
	}
	if m.path == "" || m.goVersion == "" {
		t.Fatalf("go.mod: no module or go line")
	}
	return m
}
