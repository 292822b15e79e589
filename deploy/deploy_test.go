// Tests of the deployment files in deploy/registry: that they line up with the
// registry's flags, image and in-cluster address, that the real registry starts with
// the Deployment's arguments and answers its probes without a token, and that a real
// kube-apiserver accepts every manifest (server-side apply, strict field validation,
// dry run first) and that the RBAC lets the registry delete applications' objects in
// fuseml-workloads and nothing else.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	seldonapp "github.com/openmodelops/fuseml-seldon/cmd/seldon-core-predictor/app"
	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/api"
	"github.com/openmodelops/fuseml-seldon/registry/kube"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
	"github.com/openmodelops/fuseml-seldon/registry/server"
)

func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }

const (
	dir                = "registry"
	exampleSecretFile  = "secret.example.yaml"
	workloadsNamespace = "fuseml-workloads"
	registryImage      = "ghcr.io/openmodelops/fuseml-registry"
	fieldManager       = "fuseml-seldon-deploy-test"
)

// manifest is one document of a file in deploy/registry.
type manifest struct {
	file string
	obj  *unstructured.Unstructured
	raw  []byte // JSON
}

func (m manifest) String() string {
	return fmt.Sprintf("%s: %s %s/%s", m.file, m.obj.GetKind(), m.obj.GetNamespace(), m.obj.GetName())
}

// readManifests reads every YAML file of deploy/registry but the kustomization.
func readManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []manifest
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			raw, err := yaml.YAMLToJSONStrict([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			obj := &unstructured.Unstructured{}
			if err := obj.UnmarshalJSON(raw); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out = append(out, manifest{file: filepath.Base(file), obj: obj, raw: raw})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no manifests in %s", dir)
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// the returns the one manifest of kind, decoded strictly into a typed object.
func the[T any](t *testing.T, ms []manifest, kind string) (*T, manifest) {
	t.Helper()
	var found []manifest
	for _, m := range ms {
		if m.obj.GetKind() == kind {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d manifests of kind %s, want 1", len(found), kind)
	}
	v := new(T)
	if err := yaml.UnmarshalStrict(found[0].raw, v); err != nil {
		t.Fatalf("%s: %v", found[0], err)
	}
	return v, found[0]
}

// objects holds the typed manifests.
type objects struct {
	namespace  *corev1.Namespace
	account    *corev1.ServiceAccount
	role       *rbacv1.Role
	binding    *rbacv1.RoleBinding
	claim      *corev1.PersistentVolumeClaim
	secret     *corev1.Secret
	deployment *appsv1.Deployment
	service    *corev1.Service
}

func typed(t *testing.T, ms []manifest) objects {
	t.Helper()
	var o objects
	o.namespace, _ = the[corev1.Namespace](t, ms, "Namespace")
	o.account, _ = the[corev1.ServiceAccount](t, ms, "ServiceAccount")
	o.role, _ = the[rbacv1.Role](t, ms, "Role")
	o.binding, _ = the[rbacv1.RoleBinding](t, ms, "RoleBinding")
	o.claim, _ = the[corev1.PersistentVolumeClaim](t, ms, "PersistentVolumeClaim")
	var sm manifest
	o.secret, sm = the[corev1.Secret](t, ms, "Secret")
	if sm.file != exampleSecretFile {
		t.Errorf("the Secret is in %s; only %s may hold one (placeholders)", sm.file, exampleSecretFile)
	}
	o.deployment, _ = the[appsv1.Deployment](t, ms, "Deployment")
	o.service, _ = the[corev1.Service](t, ms, "Service")
	for _, m := range ms {
		switch m.obj.GetKind() {
		case "Namespace", "ServiceAccount", "Role", "RoleBinding", "PersistentVolumeClaim", "Secret", "Deployment", "Service":
		default:
			t.Errorf("%s: a kind this test does not check", m)
		}
	}
	return o
}

// registryContainer is the Deployment's one container with its parsed flags.
type registryContainer struct {
	c     corev1.Container
	flags map[string]string
}

func container(t *testing.T, d *appsv1.Deployment) registryContainer {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("Deployment: %d containers, want 1", len(cs))
	}
	c := cs[0]
	if len(c.Command) != 0 {
		t.Errorf("Deployment: command %q replaces the image's entrypoint", c.Command)
	}
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Fatalf("Deployment: args %q, want serve first", c.Args)
	}
	flags := map[string]string{}
	for _, a := range c.Args[1:] {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !ok {
			t.Fatalf("Deployment: argument %q: want --flag=value", a)
		}
		flags[name] = value
	}
	return registryContainer{c: c, flags: flags}
}

// port resolves a probe's or Service's target port against the container's ports.
func (rc registryContainer) port(t *testing.T, p intstr.IntOrString) int32 {
	t.Helper()
	for _, cp := range rc.c.Ports {
		if p.Type == intstr.String && cp.Name == p.StrVal || p.Type == intstr.Int && cp.ContainerPort == p.IntVal {
			return cp.ContainerPort
		}
	}
	t.Errorf("port %s is not a port of the container %q", p.String(), rc.c.Ports)
	return -1
}

// mountFor returns the volume mounted at the folder holding file.
func (rc registryContainer) mountFor(t *testing.T, d *appsv1.Deployment, file string) (corev1.VolumeMount, corev1.Volume) {
	t.Helper()
	for _, m := range rc.c.VolumeMounts {
		if m.MountPath == path.Dir(file) {
			for _, v := range d.Spec.Template.Spec.Volumes {
				if v.Name == m.Name {
					return m, v
				}
			}
			t.Fatalf("volume mount %s: no volume %s", m.MountPath, m.Name)
		}
	}
	t.Fatalf("%s: no volume mounted at %s", file, path.Dir(file))
	return corev1.VolumeMount{}, corev1.Volume{}
}

// TestManifestsLineUp checks the manifests against each other and against the
// registry: its flags and their files, its listen port, its probes, its image, and
// the address the step defaults to.
func TestManifestsLineUp(t *testing.T) {
	ms := readManifests(t)
	o := typed(t, ms)
	d := o.deployment
	rc := container(t, d)

	// The kustomization lists every file but the example Secret.
	var kust struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	var files []string
	for _, m := range ms {
		if m.file != exampleSecretFile && !slices.Contains(files, m.file) {
			files = append(files, m.file)
		}
	}
	sort.Strings(files)
	listed := slices.Sorted(slices.Values(kust.Resources))
	if !slices.Equal(listed, files) {
		t.Errorf("kustomization.yaml resources %q, want every manifest but %s: %q", listed, exampleSecretFile, files)
	}

	// Namespaces: everything in fuseml-core, but the RBAC in the workloads namespace.
	for _, m := range ms {
		want := o.namespace.Name
		switch m.obj.GetKind() {
		case "Namespace":
			want = ""
		case "Role", "RoleBinding":
			want = workloadsNamespace
		}
		if m.obj.GetNamespace() != want {
			t.Errorf("%s: namespace %q, want %q", m, m.obj.GetNamespace(), want)
		}
	}

	// The Service is the address the step and the CLI default to, and reaches the
	// registry's listen port.
	u, err := url.Parse(seldonapp.DefaultRegistryURL)
	if err != nil {
		t.Fatal(err)
	}
	if want := o.service.Name + "." + o.service.Namespace + ".svc.cluster.local"; u.Hostname() != want {
		t.Errorf("the step's default registry %s: host %s, but the Service is %s", seldonapp.DefaultRegistryURL, u.Hostname(), want)
	}
	_, listenPort, err := net.SplitHostPort(rc.flags["listen"])
	if err != nil {
		t.Fatalf("--listen=%s: %v", rc.flags["listen"], err)
	}
	listen, _ := strconv.Atoi(listenPort)
	if len(o.service.Spec.Ports) != 1 {
		t.Fatalf("Service: %d ports, want 1", len(o.service.Spec.Ports))
	}
	sp := o.service.Spec.Ports[0]
	if strconv.Itoa(int(sp.Port)) != u.Port() {
		t.Errorf("Service port %d, but the step's default registry URL says %s", sp.Port, u.Port())
	}
	if got := rc.port(t, sp.TargetPort); int(got) != listen {
		t.Errorf("Service targetPort %s is %d, but the registry listens on %d", sp.TargetPort.String(), got, listen)
	}
	labels := d.Spec.Template.Labels
	for k, v := range o.service.Spec.Selector {
		if labels[k] != v {
			t.Errorf("Service selector %s=%s does not select the registry's pods %v", k, v, labels)
		}
	}
	sel, err := metav1.LabelSelectorAsMap(d.Spec.Selector)
	if err != nil || len(sel) == 0 {
		t.Errorf("Deployment selector: %v", err)
	}
	for k, v := range sel {
		if labels[k] != v {
			t.Errorf("Deployment selector %s=%s does not select its own pods %v", k, v, labels)
		}
	}

	// Probes on the listen port; their paths are checked against the real server in
	// TestRegistryStartsWithTheDeploymentArgs.
	for name, p := range map[string]*corev1.Probe{"liveness": rc.c.LivenessProbe, "readiness": rc.c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an httpGet probe", name)
			continue
		}
		if got := rc.port(t, p.HTTPGet.Port); int(got) != listen {
			t.Errorf("%s probe port %s is %d, but the registry listens on %d", name, p.HTTPGet.Port.String(), got, listen)
		}
		if len(p.HTTPGet.HTTPHeaders) != 0 {
			t.Errorf("%s probe sends headers %v: a token in a manifest is a published token", name, p.HTTPGet.HTTPHeaders)
		}
	}
	if p := rc.c.LivenessProbe; p != nil && p.HTTPGet != nil && p.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe path %s, want /healthz", p.HTTPGet.Path)
	}

	// Files: the database on the claim, the tokens file and key from the Secret.
	_, data1 := rc.mountFor(t, d, rc.flags["database"])
	if data1.PersistentVolumeClaim == nil || data1.PersistentVolumeClaim.ClaimName != o.claim.Name {
		t.Errorf("--database=%s: volume %s is not the claim %s", rc.flags["database"], data1.Name, o.claim.Name)
	}
	for _, flag := range []string{"tokens-file", "encryption-key-file"} {
		file := rc.flags[flag]
		m, v := rc.mountFor(t, d, file)
		if !m.ReadOnly {
			t.Errorf("--%s: the mount %s is writable", flag, m.MountPath)
		}
		if v.Secret == nil || v.Secret.SecretName != o.secret.Name {
			t.Errorf("--%s=%s: volume %s is not the Secret %s", flag, file, v.Name, o.secret.Name)
			continue
		}
		key := ""
		for _, item := range v.Secret.Items {
			if item.Path == path.Base(file) {
				key = item.Key
			}
		}
		if _, ok := o.secret.StringData[key]; key == "" || !ok {
			t.Errorf("--%s=%s: no item of the Secret volume gives %s, or its key %q is not in %s", flag, file, path.Base(file), key, exampleSecretFile)
		}
	}
	if _, ok := rc.flags["kubeconfig"]; ok {
		t.Errorf("--kubeconfig: in a pod the registry uses its ServiceAccount's in-cluster config")
	}

	// The example Secret's placeholders are refused by the registry: applied by
	// mistake, they cannot make a registry with a published token or key.
	if _, err := api.ParseTokens(strings.NewReader(o.secret.StringData["tokens.csv"])); err == nil {
		t.Errorf("%s: the registry accepts the placeholder tokens file", exampleSecretFile)
	}
	if _, err := seal.ParseKey([]byte(o.secret.StringData["encryption.key"])); err == nil {
		t.Errorf("%s: the registry accepts the placeholder key", exampleSecretFile)
	}
	for k, v := range o.secret.StringData {
		if !strings.Contains(v, "PLACEHOLDER") {
			t.Errorf("%s: %s is not marked PLACEHOLDER", exampleSecretFile, k)
		}
	}

	// Identity and RBAC.
	spec := d.Spec.Template.Spec
	if spec.ServiceAccountName != o.account.Name {
		t.Errorf("Deployment serviceAccountName %q, want %q", spec.ServiceAccountName, o.account.Name)
	}
	wantSubject := rbacv1.Subject{Kind: "ServiceAccount", Name: o.account.Name, Namespace: o.account.Namespace}
	if !slices.Equal(o.binding.Subjects, []rbacv1.Subject{wantSubject}) {
		t.Errorf("RoleBinding subjects %v, want %v", o.binding.Subjects, wantSubject)
	}
	if o.binding.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: o.role.Name}) {
		t.Errorf("RoleBinding roleRef %v, want the Role %s", o.binding.RoleRef, o.role.Name)
	}
	wantRules := map[string][]string{ // group/resource: verbs
		"/secrets": {"delete", "get"}, "/serviceaccounts": {"delete", "get"},
		"machinelearning.seldon.io/seldondeployments": {"delete", "get"},
		"mlops.seldon.io/models":                      {"delete", "get"},
	}
	gotRules := map[string][]string{}
	for _, r := range o.role.Rules {
		if len(r.ResourceNames) != 0 || len(r.NonResourceURLs) != 0 {
			t.Errorf("Role rule %v: unexpected resourceNames or nonResourceURLs", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				gotRules[g+"/"+res] = slices.Sorted(slices.Values(append(gotRules[g+"/"+res], r.Verbs...)))
			}
		}
	}
	if fmt.Sprint(gotRules) != fmt.Sprint(wantRules) {
		t.Errorf("Role rules %v, want exactly %v", gotRules, wantRules)
	}

	// Non-root, locked down, with resources; the image is the registry's.
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 {
		t.Errorf("pod securityContext %v: want runAsNonRoot and runAsUser 65532 (the image's USER)", psc)
	}
	csc := rc.c.SecurityContext
	if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container securityContext %v: want no privilege escalation, a read-only root and every capability dropped", csc)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := rc.c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
		if _, ok := rc.c.Resources.Limits[r]; !ok {
			t.Errorf("no %s limit", r)
		}
	}
	if repo, _, _ := strings.Cut(rc.c.Image, ":"); repo != registryImage {
		t.Errorf("image %s, want %s (make images)", rc.c.Image, registryImage)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType || d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("Deployment: want one replica and the Recreate strategy (SQLite has one writer)")
	}
}

// TestRegistryStartsWithTheDeploymentArgs runs the real registry with the Deployment's
// arguments (the mounted folders made temporary, the Secret's files filled with real
// values, the listen port made free) and asks the probes' paths without a token.
func TestRegistryStartsWithTheDeploymentArgs(t *testing.T) {
	ms := readManifests(t)
	o := typed(t, ms)
	rc := container(t, o.deployment)

	tmp := t.TempDir()
	folders := map[string]string{} // mount path: temporary folder
	for i, m := range rc.c.VolumeMounts {
		folders[m.MountPath] = filepath.Join(tmp, strconv.Itoa(i))
		if err := os.MkdirAll(folders[m.MountPath], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	local := func(file string) string { return filepath.Join(folders[path.Dir(file)], path.Base(file)) }
	if err := os.WriteFile(local(rc.flags["tokens-file"]), []byte(api.NewToken()+",admin,admin\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(local(rc.flags["encryption-key-file"]), []byte(seal.NewKey()+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	args := []string{"fuseml-registry", "serve"}
	for _, a := range rc.c.Args[1:] {
		name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		switch name {
		case "listen":
			value = "127.0.0.1:0"
		case "database", "tokens-file", "encryption-key-file":
			value = local(value)
		}
		args = append(args, "--"+name+"="+value)
	}
	t.Setenv("KUBECONFIG", "")

	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		err := server.Run(ctx, args, stdoutW, &stderr)
		stdoutW.CloseWithError(err)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the registry stopped with %v", err)
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdoutR)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	var base string
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("the registry did not start with %q: %s", args[1:], stderr.String())
		}
		base = a
	case <-time.After(30 * time.Second):
		t.Fatalf("the registry did not start in 30s: %s", stderr.String())
	}
	if _, err := os.Stat(local(rc.flags["database"])); err != nil {
		t.Errorf("the database is not on the data volume: %v", err)
	}
	for name, p := range map[string]*corev1.Probe{"liveness": rc.c.LivenessProbe, "readiness": rc.c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			continue
		}
		resp, err := http.Get(base + p.HTTPGet.Path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// kubelet counts 200 to 399 as success.
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			t.Errorf("%s probe GET %s without a token: %s %s", name, p.HTTPGet.Path, resp.Status, body)
		}
	}
}

// TestApplyToKubernetes applies every manifest to a real kube-apiserver with
// server-side apply and strict field validation, as a dry run and then for real, and
// checks the RBAC with the registry's own deleter acting as its ServiceAccount.
func TestApplyToKubernetes(t *testing.T) {
	k := testserver.StartKube(t)
	k.InstallCRDs(t, testserver.SeldonCRDFiles(t)...)
	ms := readManifests(t)
	o := typed(t, ms)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cs := k.Clientset()
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cs.Discovery()))
	client := func(m manifest) (resourceClient, error) {
		gvk := m.obj.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, err
		}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			return k.Dynamic().Resource(mapping.Resource).Namespace(m.obj.GetNamespace()), nil
		}
		return k.Dynamic().Resource(mapping.Resource), nil
	}

	// The workloads namespace is FuseML's (the manifests do not make it).
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: workloadsNamespace}}, metav1.CreateOptions{}); err == nil {
		t.Cleanup(func() { deleteNamespace(t, k, workloadsNamespace) })
	} else if !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}

	// Namespaces first, as kubectl orders them.
	slices.SortStableFunc(ms, func(a, b manifest) int {
		return boolInt(b.obj.GetKind() == "Namespace") - boolInt(a.obj.GetKind() == "Namespace")
	})
	force := true
	for _, dryRun := range []bool{true, false} {
		for _, m := range ms {
			rcl, err := client(m)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			opts := metav1.PatchOptions{FieldManager: fieldManager, Force: &force, FieldValidation: metav1.FieldValidationStrict}
			if dryRun {
				opts.DryRun = []string{metav1.DryRunAll}
			}
			if m.obj.GetKind() == "Namespace" && dryRun {
				// A dry-run namespace leaves the namespaced dry runs nowhere to go; it is
				// checked on its own, and the namespace made for real.
				if _, err := rcl.Patch(ctx, m.obj.GetName(), types.ApplyPatchType, m.raw, opts); err != nil {
					t.Fatalf("dry run: %s: %v", m, err)
				}
				opts.DryRun = nil
				if _, err := cs.CoreV1().Namespaces().Get(ctx, m.obj.GetName(), metav1.GetOptions{}); apierrors.IsNotFound(err) {
					t.Cleanup(func() { deleteNamespace(t, k, m.obj.GetName()) })
				}
			}
			got, err := rcl.Patch(ctx, m.obj.GetName(), types.ApplyPatchType, m.raw, opts)
			if err != nil {
				t.Fatalf("apply (dry run: %v): %s: %v", opts.DryRun != nil, m, err)
			}
			if got.GetName() != m.obj.GetName() {
				t.Errorf("%s: the server answered %s", m, got.GetName())
			}
			_, err = rcl.Get(ctx, m.obj.GetName(), metav1.GetOptions{})
			switch {
			case dryRun && m.obj.GetKind() != "Namespace" && !apierrors.IsNotFound(err):
				t.Errorf("dry run: %s exists after it (%v)", m, err)
			case !dryRun && err != nil:
				t.Errorf("%s: not there after apply: %v", m, err)
			}
			if !dryRun && m.obj.GetKind() != "Namespace" {
				t.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					if err := rcl.Delete(ctx, m.obj.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
						t.Errorf("deleting %s: %v", m, err)
					}
				})
			}
		}
	}

	// Strict field validation is on: an unknown field is refused, not dropped.
	_, dm := the[appsv1.Deployment](t, ms, "Deployment")
	bad := dm.obj.DeepCopy()
	if err := unstructured.SetNestedField(bad.Object, int64(1), "spec", "template", "spec", "containers0"); err != nil {
		t.Fatal(err)
	}
	badJSON, _ := bad.MarshalJSON()
	rcl, _ := client(dm)
	_, err := rcl.Patch(ctx, bad.GetName(), types.ApplyPatchType, badJSON, metav1.PatchOptions{
		FieldManager: fieldManager, Force: &force, FieldValidation: metav1.FieldValidationStrict, DryRun: []string{metav1.DryRunAll}})
	if err == nil || !strings.Contains(err.Error(), "containers0") {
		t.Errorf("an unknown field in the Deployment: %v, want a strict-validation error", err)
	}

	// The registry's deleter, acting as the Deployment's ServiceAccount, deletes the
	// step's objects in fuseml-workloads, and nothing else.
	cfg := k.RESTConfig()
	cfg.Impersonate.UserName = "system:serviceaccount:" + o.account.Namespace + ":" + o.account.Name
	cfg.Impersonate.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + o.account.Namespace, "system:authenticated"}
	deleter, err := kube.NewDeleter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const app = "deploy-test"
	labels := map[string]string{kube.AppLabel: app}
	if _, err := cs.CoreV1().Secrets(workloadsNamespace).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: app + "-init-container-secret", Labels: labels}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(workloadsNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: app + "-seldon", Labels: labels}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A workflow's credentials Secret: an application record may name it, but it is not
	// the application's, and the registry must not delete it.
	if _, err := cs.CoreV1().Secrets(workloadsNamespace).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "some-workflow-credentials"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := deleter.Delete(ctx, workloadsNamespace, app, registry.KubernetesResource{Kind: "Secret", Name: "some-workflow-credentials"}); !errors.Is(err, kube.ErrNotOwned) {
		t.Errorf("deleting another workflow's Secret through an application record: %v, want ErrNotOwned", err)
	}
	if _, err := cs.CoreV1().Secrets(workloadsNamespace).Get(ctx, "some-workflow-credentials", metav1.GetOptions{}); err != nil {
		t.Errorf("the Secret that is not the application's: %v", err)
	}
	allowed := []registry.KubernetesResource{
		{Kind: "Secret", Name: app + "-init-container-secret"},
		{Kind: "ServiceAccount", Name: app + "-seldon"},
		{Kind: "SeldonDeployment", Name: app}, // absent: allowed, the delete finds nothing
		{Kind: "Model", Name: app},
	}
	for _, r := range allowed {
		if err := deleter.Delete(ctx, workloadsNamespace, app, r); err != nil {
			t.Errorf("the registry may not delete %s %s/%s: %v", r.Kind, workloadsNamespace, r.Name, err)
		}
	}
	if _, err := cs.CoreV1().Secrets(workloadsNamespace).Get(ctx, app+"-init-container-secret", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the application's Secret is still there: %v", err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(workloadsNamespace).Get(ctx, app+"-seldon", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the application's ServiceAccount is still there: %v", err)
	}
	denied := []struct {
		namespace string
		r         registry.KubernetesResource
	}{
		{o.namespace.Name, registry.KubernetesResource{Kind: "Secret", Name: o.secret.Name}},
		{o.namespace.Name, registry.KubernetesResource{Kind: "ServiceAccount", Name: o.account.Name}},
		{"default", registry.KubernetesResource{Kind: "SeldonDeployment", Name: app}},
		{workloadsNamespace, registry.KubernetesResource{Kind: "Pod", Name: app}},
		{workloadsNamespace, registry.KubernetesResource{Kind: "ConfigMap", Name: app}},
		{workloadsNamespace, registry.KubernetesResource{Kind: "Role", Name: o.role.Name}},
	}
	for _, d := range denied {
		if err := deleter.Delete(ctx, d.namespace, app, d.r); !apierrors.IsForbidden(err) {
			t.Errorf("deleting %s %s/%s as the registry: %v, want forbidden", d.r.Kind, d.namespace, d.r.Name, err)
		}
	}
	if _, err := cs.CoreV1().Secrets(o.namespace.Name).Get(ctx, o.secret.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("the registry's own Secret: %v", err)
	}
}

// resourceClient is what the test needs of a dynamic resource client.
type resourceClient interface {
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, options metav1.PatchOptions, subresources ...string) (*unstructured.Unstructured, error)
	Get(ctx context.Context, name string, options metav1.GetOptions, subresources ...string) (*unstructured.Unstructured, error)
	Delete(ctx context.Context, name string, options metav1.DeleteOptions, subresources ...string) error
}

// deleteNamespace deletes a namespace the test made. No namespace controller runs
// here: the test deletes what it put in, then removes the finalizer.
func deleteNamespace(t *testing.T, k *testserver.Kube, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nss := k.Clientset().CoreV1().Namespaces()
	if err := nss.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("deleting the namespace %s: %v", name, err)
		return
	}
	ns, err := nss.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return
	}
	if err == nil {
		ns.Spec.Finalizers = nil
		_, err = nss.Finalize(ctx, ns, metav1.UpdateOptions{})
	}
	if err != nil && !apierrors.IsNotFound(err) && !errors.Is(err, context.Canceled) {
		t.Errorf("finalizing the namespace %s: %v", name, err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
