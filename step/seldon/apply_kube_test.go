package seldon_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/openmodelops/fuseml-seldon/convert"
	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/step/seldon"
)

// These tests apply the objects to a real kube-apiserver holding the real Seldon CRDs,
// where other field managers change them too, and where creates race.

func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }

const (
	// otherController applies with server-side apply, as another controller would.
	otherController = "other-controller"
	// kubectlEdit updates the whole object, as kubectl edit does.
	kubectlEdit = "kubectl-edit"
)

// startKube returns the shared API server, with the Seldon CRDs, and a fresh namespace.
func startKube(t *testing.T) (*testserver.Kube, string) {
	t.Helper()
	k := testserver.StartKube(t)
	k.InstallCRDs(t, testserver.SeldonCRDFiles(t)...)
	return k, k.NewNamespace(t)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func kubeSpec(api convert.API, ns, app, workflow string) seldon.Spec {
	s := seldon.Spec{
		API: api, App: app, Namespace: ns, Workflow: workflow, Org: "acme", Project: "churn",
		Server: convert.SklearnServer, Protocol: convert.ProtocolSeldon,
		ModelURI: "s3://mlflow-artifacts/1/abc/artifacts/model/seldon/sklearn",
		Replicas: 2,
		S3:       seldon.S3Access{Endpoint: "http://minio:9000", AccessKeyID: "AKID", SecretAccessKey: "secret"},
	}
	if api == convert.V2 {
		s.Server, s.Protocol, s.Requirements = convert.MLServer, convert.ProtocolV2, []string{"sklearn"}
	}
	return s
}

func build(t *testing.T, spec seldon.Spec) seldon.Objects {
	t.Helper()
	objs, err := seldon.Build(spec)
	require.NoError(t, err)
	return objs
}

func gvrOf(t *testing.T, u *unstructured.Unstructured) schema.GroupVersionResource {
	t.Helper()
	switch u.GetKind() {
	case "Secret":
		return seldon.SecretGVR
	case "ServiceAccount":
		return seldon.ServiceAccountGVR
	case "SeldonDeployment":
		return seldon.SeldonDeploymentGVR
	case "Model":
		return seldon.ModelGVR
	}
	t.Fatalf("no resource for kind %s", u.GetKind())
	return schema.GroupVersionResource{}
}

func get(ctx context.Context, t *testing.T, c dynamic.Interface, like *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	u, err := c.Resource(gvrOf(t, like)).Namespace(like.GetNamespace()).Get(ctx, like.GetName(), metav1.GetOptions{})
	require.NoError(t, err)
	return u
}

// applyAs server-side applies a partial object of the same kind, name and namespace as
// like, holding only fields, under another field manager; without force, so that it
// fails if it touches a field that we own.
func applyAs(ctx context.Context, t *testing.T, c dynamic.Interface, manager string, like *unstructured.Unstructured, fields map[string]any) {
	t.Helper()
	u := &unstructured.Unstructured{Object: fields}
	u.SetAPIVersion(like.GetAPIVersion())
	u.SetKind(like.GetKind())
	u.SetName(like.GetName())
	u.SetNamespace(like.GetNamespace())
	_, err := c.Resource(gvrOf(t, like)).Namespace(like.GetNamespace()).Apply(ctx, like.GetName(), u,
		metav1.ApplyOptions{FieldManager: manager})
	require.NoError(t, err, "%s applying to %s %s", manager, like.GetKind(), like.GetName())
}

// edit reads the object, changes it with fn and writes it back with a plain update, as
// kubectl edit does.
func edit(ctx context.Context, t *testing.T, c dynamic.Interface, like *unstructured.Unstructured, fn func(u *unstructured.Unstructured)) {
	t.Helper()
	u := get(ctx, t, c, like)
	fn(u)
	_, err := c.Resource(gvrOf(t, like)).Namespace(like.GetNamespace()).Update(ctx, u,
		metav1.UpdateOptions{FieldManager: kubectlEdit, FieldValidation: "Strict"})
	require.NoError(t, err, "editing %s %s", like.GetKind(), like.GetName())
}

func set(t *testing.T, u *unstructured.Unstructured, value any, path ...string) {
	t.Helper()
	require.NoError(t, unstructured.SetNestedField(u.Object, value, path...))
}

func field(t *testing.T, u *unstructured.Unstructured, path ...string) any {
	t.Helper()
	v, found, err := unstructured.NestedFieldNoCopy(u.Object, path...)
	require.NoError(t, err)
	if !found {
		return nil
	}
	return v
}

// firstPredictor returns the first predictor of a SeldonDeployment.
func firstPredictor(t *testing.T, u *unstructured.Unstructured) map[string]any {
	t.Helper()
	ps, _, err := unstructured.NestedSlice(u.Object, "spec", "predictors")
	require.NoError(t, err)
	require.NotEmpty(t, ps)
	return ps[0].(map[string]any)
}

// editPredictor changes the first predictor of a SeldonDeployment in place.
func editPredictor(t *testing.T, u *unstructured.Unstructured, fn func(p map[string]any)) {
	t.Helper()
	ps, _, err := unstructured.NestedSlice(u.Object, "spec", "predictors")
	require.NoError(t, err)
	fn(ps[0].(map[string]any))
	require.NoError(t, unstructured.SetNestedSlice(u.Object, ps, "spec", "predictors"))
}

// managed is the managedFields of an object: for each manager and operation
// ("seldon-core-predictor/Apply", "kubectl-edit/Update"), the fields it owns.
type managed map[string]map[string]any

func managedFields(t *testing.T, u *unstructured.Unstructured) managed {
	t.Helper()
	m := managed{}
	for _, e := range u.GetManagedFields() {
		key := e.Manager + "/" + string(e.Operation)
		if e.Subresource != "" {
			key += "/" + e.Subresource
		}
		require.NotContains(t, m, key, "two managedFields entries for %s", key)
		var fields map[string]any
		if e.FieldsV1 != nil {
			require.NoError(t, json.Unmarshal(e.FieldsV1.Raw, &fields))
		}
		m[key] = fields
	}
	return m
}

// owns says whether the entry key owns the field at path, given as managedFields
// spells it: "f:spec", "f:predictors".
func (m managed) owns(key string, path ...string) bool {
	var node any = m[key]
	for _, p := range path {
		n, ok := node.(map[string]any)
		if !ok {
			return false
		}
		if node, ok = n[p]; !ok {
			return false
		}
	}
	return true
}

// managers lists the entries, for failure messages.
func (m managed) managers() []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// ourEntry is our field manager's entry: server-side apply, never a plain update.
const ourEntry = seldon.ManagedBy + "/Apply"

// assertOnlyApplies checks that our field manager appears once, as server-side apply.
func assertOnlyApplies(t *testing.T, u *unstructured.Unstructured) managed {
	t.Helper()
	m := managedFields(t, u)
	assert.Contains(t, m, ourEntry, "%s %s: managers %v", u.GetKind(), u.GetName(), m.managers())
	for key := range m {
		if key != ourEntry {
			assert.NotRegexp(t, "^"+seldon.ManagedBy+"/", key, "%s %s: our manager with another operation", u.GetKind(), u.GetName())
		}
	}
	return m
}

// assertOwnedByService checks that dependent has exactly one owner reference, to svc.
func assertOwnedByService(t *testing.T, dependent, svc *unstructured.Unstructured) {
	t.Helper()
	assert.Equal(t, []metav1.OwnerReference{{
		APIVersion: svc.GetAPIVersion(), Kind: svc.GetKind(), Name: svc.GetName(), UID: svc.GetUID(),
	}}, dependent.GetOwnerReferences(), "owner references of %s %s", dependent.GetKind(), dependent.GetName())
}

// TestApplyKeepsOtherManagersFields: between two runs, another controller adds fields
// with server-side apply, and someone with kubectl edit changes fields that we own and
// adds more. The rerun succeeds, puts our fields back, takes back their ownership, and
// leaves the others' fields alone.
func TestApplyKeepsOtherManagersFields(t *testing.T) {
	k, ns := startKube(t)
	ctx := testContext(t)
	c := k.Dynamic()

	t.Run("SeldonDeployment", func(t *testing.T) {
		objs := build(t, kubeSpec(convert.V1, ns, "churn-v1", "mlflow-seldon"))
		first, err := (&seldon.Applier{Client: c}).Apply(ctx, objs)
		require.NoError(t, err)
		sd := objs.Service

		applyAs(ctx, t, c, otherController, sd, map[string]any{
			"metadata": map[string]any{
				"annotations": map[string]any{"example.com/note": "from the controller"},
				"labels":      map[string]any{"example.com/team": "ml"},
			},
			"spec": map[string]any{
				"annotations": map[string]any{"seldon.io/rest-timeout": "5000"},
				"transport":   "rest",
			},
		})
		for _, d := range []*unstructured.Unstructured{objs.Secret, objs.ServiceAccount} {
			applyAs(ctx, t, c, otherController, d, map[string]any{"metadata": map[string]any{
				"annotations": map[string]any{"example.com/note": "from the controller"},
				"labels":      map[string]any{"example.com/team": "ml"},
			}})
		}
		edit(ctx, t, c, sd, func(u *unstructured.Unstructured) {
			// Fields that we own...
			editPredictor(t, u, func(p map[string]any) {
				p["replicas"] = int64(5)
				p["graph"].(map[string]any)["modelUri"] = "s3://elsewhere/model"
				// ...and one inside the predictor that we do not set.
				p["annotations"] = map[string]any{"example.com/inside": "predictor"}
			})
			labels := u.GetLabels()
			labels[seldon.LabelOrg] = "edited-org"
			labels["example.com/edited"] = "label"
			u.SetLabels(labels)
			// ...and fields outside the predictors that we do not set.
			ann := u.GetAnnotations()
			ann["example.com/edited"] = "annotation"
			u.SetAnnotations(ann)
			set(t, u, int64(3), "spec", "replicas")
		})
		// The edit took the predictors and our label from us: the rerun must take them back.
		edited := managedFields(t, get(ctx, t, c, sd))
		require.True(t, edited.owns(kubectlEdit+"/Update", "f:spec", "f:predictors"), "after the edit: %v", edited)
		require.False(t, edited.owns(ourEntry, "f:spec", "f:predictors"), "after the edit: %v", edited)

		again, err := (&seldon.Applier{Client: c}).Apply(ctx, objs)
		require.NoError(t, err, "rerun")
		got := get(ctx, t, c, sd)
		assert.Equal(t, first.Service.GetUID(), got.GetUID())
		assert.Equal(t, got.GetResourceVersion(), again.Service.GetResourceVersion(), "Apply returns the stored object")

		// Ours, back to our values.
		p := firstPredictor(t, got)
		assert.EqualValues(t, 2, p["replicas"])
		assert.Equal(t, "s3://mlflow-artifacts/1/abc/artifacts/model/seldon/sklearn", p["graph"].(map[string]any)["modelUri"])
		assert.Equal(t, objs.Service.Object["spec"].(map[string]any)["predictors"], got.Object["spec"].(map[string]any)["predictors"],
			"the predictors are exactly ours")
		assert.Equal(t, "acme", got.GetLabels()[seldon.LabelOrg])
		// Theirs, kept.
		assert.Equal(t, "from the controller", got.GetAnnotations()["example.com/note"])
		assert.Equal(t, "ml", got.GetLabels()["example.com/team"])
		assert.Equal(t, "5000", field(t, got, "spec", "annotations", "seldon.io/rest-timeout"))
		assert.Equal(t, "rest", field(t, got, "spec", "transport"))
		assert.Equal(t, "annotation", got.GetAnnotations()["example.com/edited"])
		assert.Equal(t, "label", got.GetLabels()["example.com/edited"])
		assert.EqualValues(t, 3, field(t, got, "spec", "replicas"))
		// Seldon's CRD declares predictors an atomic list: whoever applies it owns all of
		// it, so a field that another manager adds inside a predictor cannot survive.
		assert.NotContains(t, p, "annotations")

		m := assertOnlyApplies(t, got)
		for _, path := range [][]string{
			{"f:spec", "f:predictors"},
			{"f:spec", "f:protocol"},
			{"f:metadata", "f:labels", "f:" + seldon.LabelOrg},
			{"f:metadata", "f:labels", "f:" + seldon.LabelWorkflow},
		} {
			assert.True(t, m.owns(ourEntry, path...), "we own %v: %v", path, m)
			for _, other := range []string{otherController + "/Apply", kubectlEdit + "/Update"} {
				assert.False(t, m.owns(other, path...), "%s owns %v: %v", other, path, m)
			}
		}
		for key, paths := range map[string][][]string{
			otherController + "/Apply": {
				{"f:metadata", "f:annotations", "f:example.com/note"},
				{"f:metadata", "f:labels", "f:example.com/team"},
				{"f:spec", "f:annotations", "f:seldon.io/rest-timeout"},
				{"f:spec", "f:transport"},
			},
			kubectlEdit + "/Update": {
				{"f:metadata", "f:annotations", "f:example.com/edited"},
				{"f:metadata", "f:labels", "f:example.com/edited"},
				{"f:spec", "f:replicas"},
			},
		} {
			for _, path := range paths {
				assert.True(t, m.owns(key, path...), "%s owns %v: %v", key, path, m)
				assert.False(t, m.owns(ourEntry, path...), "we own %v: %v", path, m)
			}
		}

		for _, d := range []*unstructured.Unstructured{objs.Secret, objs.ServiceAccount} {
			got := get(ctx, t, c, d)
			assert.Equal(t, "from the controller", got.GetAnnotations()["example.com/note"], "%s", d.GetKind())
			assert.Equal(t, "ml", got.GetLabels()["example.com/team"], "%s", d.GetKind())
			assertOwnedByService(t, got, again.Service)
			m := assertOnlyApplies(t, got)
			assert.True(t, m.owns(ourEntry, "f:metadata", "f:ownerReferences"), "%s: %v", d.GetKind(), m)
		}
	})

	t.Run("Model", func(t *testing.T) {
		objs := build(t, kubeSpec(convert.V2, ns, "churn-v2", "mlflow-seldon"))
		_, err := (&seldon.Applier{Client: c}).Apply(ctx, objs)
		require.NoError(t, err)
		model := objs.Service

		applyAs(ctx, t, c, otherController, model, map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"example.com/note": "from the controller"}},
			"spec":     map[string]any{"minReplicas": int64(1), "maxReplicas": int64(4)},
		})
		edit(ctx, t, c, model, func(u *unstructured.Unstructured) {
			set(t, u, "s3://elsewhere/model", "spec", "storageUri")
			set(t, u, int64(7), "spec", "replicas")
			set(t, u, "mlserver-custom", "spec", "server")
		})
		edited := managedFields(t, get(ctx, t, c, model))
		require.True(t, edited.owns(kubectlEdit+"/Update", "f:spec", "f:storageUri"), "after the edit: %v", edited)

		_, err = (&seldon.Applier{Client: c}).Apply(ctx, objs)
		require.NoError(t, err, "rerun")
		got := get(ctx, t, c, model)
		assert.Equal(t, "s3://mlflow-artifacts/1/abc/artifacts/model/seldon/sklearn", field(t, got, "spec", "storageUri"))
		assert.EqualValues(t, 2, field(t, got, "spec", "replicas"))
		assert.Equal(t, []any{"sklearn"}, field(t, got, "spec", "requirements"))
		assert.Equal(t, "from the controller", got.GetAnnotations()["example.com/note"])
		assert.EqualValues(t, 1, field(t, got, "spec", "minReplicas"))
		assert.EqualValues(t, 4, field(t, got, "spec", "maxReplicas"))
		assert.Equal(t, "mlserver-custom", field(t, got, "spec", "server"))

		m := assertOnlyApplies(t, got)
		for _, f := range []string{"f:storageUri", "f:replicas", "f:secretName", "f:requirements"} {
			assert.True(t, m.owns(ourEntry, "f:spec", f), "we own %s: %v", f, m)
			assert.False(t, m.owns(kubectlEdit+"/Update", "f:spec", f), "kubectl-edit owns %s: %v", f, m)
		}
		assert.True(t, m.owns(kubectlEdit+"/Update", "f:spec", "f:server"), "%v", m)
		assert.True(t, m.owns(otherController+"/Apply", "f:spec", "f:maxReplicas"), "%v", m)
		assertOwnedByService(t, get(ctx, t, c, objs.Secret), got)
	})
}

// TestApplyRacingCreates: several runs apply the same new service at once, each with
// its own client. All succeed, and the objects are one of each, owned by the service.
func TestApplyRacingCreates(t *testing.T) {
	k, ns := startKube(t)
	ctx := testContext(t)
	const racers = 8
	for round := range 3 {
		for _, api := range []convert.API{convert.V1, convert.V2} {
			app := fmt.Sprintf("race-%s-%d", api, round)
			t.Run(app, func(t *testing.T) {
				spec := kubeSpec(api, ns, app, "mlflow-seldon")
				objs := build(t, spec)
				var (
					gate     sync.WaitGroup
					wg       sync.WaitGroup
					results  = make([]seldon.Objects, racers)
					errs     = make([]error, racers)
					recorded = make([]*applyRecorder, racers)
				)
				gate.Add(racers)
				for i := range racers {
					c, err := dynamic.NewForConfig(k.RESTConfig())
					require.NoError(t, err)
					recorded[i] = &applyRecorder{Interface: c, gate: gvrOf(t, objs.Service), racers: &gate}
					mine := build(t, spec)
					wg.Go(func() {
						results[i], errs[i] = (&seldon.Applier{Client: recorded[i]}).Apply(ctx, mine)
					})
				}
				wg.Wait()
				notFound, conflicts := 0, 0
				for i := range racers {
					require.NoError(t, errs[i], "racer %d", i)
					nf, c := recorded[i].counts()
					notFound, conflicts = notFound+nf, conflicts+c
				}
				t.Logf("%d racers; the API server answered 409 to %d applies", racers, conflicts)
				require.Equal(t, racers, notFound, "every racer found no service, so all raced to create it")

				c := k.Dynamic()
				svc := get(ctx, t, c, objs.Service)
				for i := range racers {
					assert.Equal(t, svc.GetUID(), results[i].Service.GetUID(), "racer %d", i)
				}
				for _, o := range objs.All() {
					list, err := c.Resource(gvrOf(t, o)).Namespace(ns).List(ctx, metav1.ListOptions{
						LabelSelector: seldon.LabelAppName + "=" + app,
					})
					require.NoError(t, err)
					require.Len(t, list.Items, 1, "%s objects of %s", o.GetKind(), app)
					assertOnlyApplies(t, &list.Items[0])
					if o != objs.Service {
						assertOwnedByService(t, &list.Items[0], svc)
					}
				}
			})
		}
	}
}

// TestApplyConflictOnCreate: the API server answers 409 to the apply that creates the
// service, because another run created it meanwhile.
func TestApplyConflictOnCreate(t *testing.T) {
	k, ns := startKube(t)
	ctx := testContext(t)
	server := k.Dynamic()
	sdResource := schema.GroupResource{Group: seldon.SeldonDeploymentGVR.Group, Resource: seldon.SeldonDeploymentGVR.Resource}
	answers := map[string]func(name string) error{
		"AlreadyExists": func(name string) error { return apierrors.NewAlreadyExists(sdResource, name) },
		"Conflict": func(name string) error {
			return apierrors.NewConflict(sdResource, name, errors.New("the object has been modified"))
		},
	}

	for answer, conflict := range answers {
		t.Run("lost race to the same workflow/"+answer, func(t *testing.T) {
			app := "lost-to-same-" + strings.ToLower(answer)
			spec := kubeSpec(convert.V1, ns, app, "mlflow-seldon")
			// The winner is another run of the same workflow, with another model.
			winner := spec
			winner.ModelURI = "s3://mlflow-artifacts/2/def/artifacts/model/seldon/sklearn"
			double := &conflictOnce{Interface: server, gvr: seldon.SeldonDeploymentGVR, times: 1, conflict: conflict,
				race: func(ctx context.Context) error {
					_, err := (&seldon.Applier{Client: server}).Apply(ctx, build(t, winner))
					return err
				}}
			objs := build(t, spec)
			out, err := (&seldon.Applier{Client: double}).Apply(ctx, objs)
			require.NoError(t, err)
			assert.Equal(t, 1, double.answered, "409s answered")
			assert.Equal(t, 2, double.applies, "applies of the SeldonDeployment")

			got := get(ctx, t, server, objs.Service)
			assert.Equal(t, got.GetUID(), out.Service.GetUID())
			assert.Equal(t, spec.ModelURI, firstPredictor(t, got)["graph"].(map[string]any)["modelUri"], "the last run wins")
			assertOnlyApplies(t, got)
			for _, d := range []*unstructured.Unstructured{objs.Secret, objs.ServiceAccount} {
				assertOwnedByService(t, get(ctx, t, server, d), got)
			}
		})
	}

	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("lost race to another workflow/force=%t", force), func(t *testing.T) {
			app := fmt.Sprintf("lost-to-other-force-%t", force)
			ours := kubeSpec(convert.V1, ns, app, "mlflow-seldon")
			theirs := kubeSpec(convert.V1, ns, app, "their-workflow")
			theirs.ModelURI = "s3://theirs/model"
			double := &conflictOnce{Interface: server, gvr: seldon.SeldonDeploymentGVR, times: 1, conflict: answers["AlreadyExists"],
				race: func(ctx context.Context) error {
					_, err := (&seldon.Applier{Client: server}).Apply(ctx, build(t, theirs))
					return err
				}}
			objs := build(t, ours)
			_, err := (&seldon.Applier{Client: double, Force: force}).Apply(ctx, objs)
			assert.Equal(t, 1, double.answered, "409s answered")
			got := get(ctx, t, server, objs.Service)
			graph := firstPredictor(t, got)["graph"].(map[string]any)
			secret := get(ctx, t, server, objs.Secret)
			assertOwnedByService(t, secret, got)
			if !force {
				// The run that lost the race must see that the winner is not its own.
				require.ErrorIs(t, err, seldon.ErrOwnedByOtherWorkflow)
				assert.Contains(t, err.Error(), "their-workflow")
				assert.Equal(t, "their-workflow", got.GetLabels()[seldon.LabelWorkflow], "untouched")
				assert.Equal(t, theirs.ModelURI, graph["modelUri"], "untouched")
				// As the race is played here, the winner applied its Secret after ours.
				assert.Equal(t, "their-workflow", secret.GetLabels()[seldon.LabelWorkflow])
				return
			}
			require.NoError(t, err, "force takes it over")
			assert.Equal(t, "mlflow-seldon", got.GetLabels()[seldon.LabelWorkflow])
			assert.Equal(t, ours.ModelURI, graph["modelUri"])
			assert.Equal(t, "mlflow-seldon", secret.GetLabels()[seldon.LabelWorkflow])
		})
	}

	t.Run("409 every time", func(t *testing.T) {
		objs := build(t, kubeSpec(convert.V1, ns, "always-conflict", "mlflow-seldon"))
		double := &conflictOnce{Interface: server, gvr: seldon.SeldonDeploymentGVR, times: -1, conflict: answers["Conflict"]}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, err := (&seldon.Applier{Client: double}).Apply(ctx, objs)
		require.Error(t, err)
		require.NoError(t, ctx.Err(), "Apply gave up by itself, before the deadline")
		assert.True(t, apierrors.IsConflict(err), "the API server's error is wrapped: %v", err)
		assert.Contains(t, err.Error(), "SeldonDeployment "+objs.Service.GetNamespace()+"/always-conflict")
		assert.Contains(t, err.Error(), "still 409 after 3 attempts")
		assert.Equal(t, 3, double.applies, "applies of the SeldonDeployment")
	})
}

// conflictOnce is a dynamic client that delegates to a real one, except for Applies of
// the resource gvr: it answers the first of them (the first times of them; all of them
// if times < 0) itself, with the 409 that conflict makes, as the API server answers a
// create that lost a race. Before its first answer it runs race, if set, to create the
// object as the run that won the race would, so that the server holds what a lost race
// leaves.
type conflictOnce struct {
	dynamic.Interface
	gvr      schema.GroupVersionResource
	times    int
	conflict func(name string) error
	race     func(ctx context.Context) error

	mu       sync.Mutex
	applies  int // Applies of gvr seen
	answered int // of which answered with a 409
}

func (c *conflictOnce) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	r := c.Interface.Resource(gvr)
	if gvr != c.gvr {
		return r
	}
	return conflictResource{NamespaceableResourceInterface: r, c: c}
}

type conflictResource struct {
	dynamic.NamespaceableResourceInterface
	c *conflictOnce
}

func (r conflictResource) Namespace(ns string) dynamic.ResourceInterface {
	return conflictNamespaced{ResourceInterface: r.NamespaceableResourceInterface.Namespace(ns), c: r.c}
}

type conflictNamespaced struct {
	dynamic.ResourceInterface
	c *conflictOnce
}

func (r conflictNamespaced) Apply(ctx context.Context, name string, obj *unstructured.Unstructured, opts metav1.ApplyOptions, subresources ...string) (*unstructured.Unstructured, error) {
	c := r.c
	c.mu.Lock()
	c.applies++
	answer := c.times < 0 || c.answered < c.times
	first := c.answered == 0
	if answer {
		c.answered++
	}
	c.mu.Unlock()
	if !answer {
		return r.ResourceInterface.Apply(ctx, name, obj, opts, subresources...)
	}
	if first && c.race != nil {
		if err := c.race(ctx); err != nil {
			return nil, fmt.Errorf("the racing run: %w", err)
		}
	}
	return nil, c.conflict(name)
}

// applyRecorder is a dynamic client that delegates to a real one and counts the 409s
// that the API server answers to Applies. Its first Get of the resource gate waits, once
// answered, until every racer sharing the gate has had its own answer: so all of them
// find no service and all race to create it.
type applyRecorder struct {
	dynamic.Interface
	gate     schema.GroupVersionResource
	racers   *sync.WaitGroup
	mu       sync.Mutex
	gated    bool
	notFound int // Gets of gate answered 404
	n        int // Applies answered 409
}

func (a *applyRecorder) counts() (notFound, conflicts int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.notFound, a.n
}

func (a *applyRecorder) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return recordResource{NamespaceableResourceInterface: a.Interface.Resource(gvr), a: a, gvr: gvr}
}

type recordResource struct {
	dynamic.NamespaceableResourceInterface
	a   *applyRecorder
	gvr schema.GroupVersionResource
}

func (r recordResource) Namespace(ns string) dynamic.ResourceInterface {
	return recordNamespaced{ResourceInterface: r.NamespaceableResourceInterface.Namespace(ns), a: r.a, gvr: r.gvr}
}

type recordNamespaced struct {
	dynamic.ResourceInterface
	a   *applyRecorder
	gvr schema.GroupVersionResource
}

func (r recordNamespaced) Get(ctx context.Context, name string, opts metav1.GetOptions, subresources ...string) (*unstructured.Unstructured, error) {
	u, err := r.ResourceInterface.Get(ctx, name, opts, subresources...)
	if r.gvr != r.a.gate {
		return u, err
	}
	r.a.mu.Lock()
	if apierrors.IsNotFound(err) {
		r.a.notFound++
	}
	wait := !r.a.gated
	r.a.gated = true
	r.a.mu.Unlock()
	if wait {
		r.a.racers.Done()
		r.a.racers.Wait()
	}
	return u, err
}

func (r recordNamespaced) Apply(ctx context.Context, name string, obj *unstructured.Unstructured, opts metav1.ApplyOptions, subresources ...string) (*unstructured.Unstructured, error) {
	u, err := r.ResourceInterface.Apply(ctx, name, obj, opts, subresources...)
	if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		r.a.mu.Lock()
		r.a.n++
		r.a.mu.Unlock()
	}
	return u, err
}

var (
	_ dynamic.Interface = (*conflictOnce)(nil)
	_ dynamic.Interface = (*applyRecorder)(nil)
)

// TestApplyLeavesScaleToOthers: without --replicas, a rerun leaves the replicas that
// `kubectl scale` (the scale subresource) chose: for a v2 Model, whose scale is its
// spec.replicas, the step sets none; for a SeldonDeployment, whose scale is the
// top-level spec.replicas, the step sets only the predictor's.
func TestApplyLeavesScaleToOthers(t *testing.T) {
	k, ns := startKube(t)
	ctx := testContext(t)
	c := k.Dynamic()
	for _, api := range []convert.API{convert.V2, convert.V1} {
		t.Run(string(api), func(t *testing.T) {
			spec := kubeSpec(api, ns, "scaled-"+string(api), "mlflow-seldon")
			spec.Replicas = 0
			objs := build(t, spec)
			if api == convert.V2 {
				_, has, _ := unstructured.NestedFieldNoCopy(objs.Service.Object, "spec", "replicas")
				assert.False(t, has, "a Model without --replicas sets none")
			}
			_, err := (&seldon.Applier{Client: c}).Apply(ctx, objs)
			require.NoError(t, err)

			res := c.Resource(gvrOf(t, objs.Service)).Namespace(ns)
			_, err = res.Patch(ctx, objs.Service.GetName(), types.MergePatchType, []byte(`{"spec":{"replicas":3}}`),
				metav1.PatchOptions{FieldManager: "kubectl"}, "scale")
			require.NoError(t, err, "kubectl scale --replicas 3")

			_, err = (&seldon.Applier{Client: c}).Apply(ctx, objs)
			require.NoError(t, err, "rerun")
			got := get(ctx, t, c, objs.Service)
			assert.EqualValues(t, 3, field(t, got, "spec", "replicas"), "the rerun kept the scale kubectl chose")
		})
	}
}
