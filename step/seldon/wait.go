package seldon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// Waiter watches a prediction service until Seldon says it is ready or failed.
type Waiter struct {
	Client dynamic.Interface
	// Timeout bounds the wait; 0 means no wait at all.
	Timeout time.Duration
	// OnState, when set, is told each new state seen (for the log).
	OnState func(state string)
}

// Wait returns nil once the service is ready (v1: status.state Available; v2: condition
// ModelReady True), a *FailedError with Seldon's reason when it failed (v1: state Failed;
// v2: ModelReady False with a failure reason), or a *TimeoutError naming the last state
// seen.
func (w *Waiter) Wait(ctx context.Context, svc *unstructured.Unstructured) error {
	if w.Timeout <= 0 {
		return nil
	}
	gvr, err := gvrOf(svc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	res := w.Client.Resource(gvr).Namespace(svc.GetNamespace())
	name, kind := svc.GetName(), svc.GetKind()
	last := "none: Seldon has written no status yet"
	seen := func(u *unstructured.Unstructured) (bool, error) {
		r := readiness(u)
		if r.state != last {
			last = r.state
			if w.OnState != nil {
				w.OnState(r.state)
			}
		}
		return r.done, r.err
	}
	timeout := func(err error) error {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &TimeoutError{Kind: kind, Name: name, LastState: last, Waited: w.Timeout.String()}
		}
		return fmt.Errorf("waiting for %s %s: %w", kind, name, err)
	}
	for {
		u, err := res.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return timeout(err)
		}
		if done, err := seen(u); done {
			return err
		}
		watcher, err := res.Watch(ctx, metav1.ListOptions{
			FieldSelector:   "metadata.name=" + name,
			ResourceVersion: u.GetResourceVersion(),
		})
		if err != nil {
			if ctx.Err() != nil {
				return timeout(err)
			}
			time.Sleep(time.Second)
			continue
		}
		for ev := range watcher.ResultChan() {
			switch ev.Type {
			case watch.Deleted:
				watcher.Stop()
				return fmt.Errorf("%s %s was deleted while waiting for it to be ready", kind, name)
			case watch.Added, watch.Modified:
				if obj, ok := ev.Object.(*unstructured.Unstructured); ok {
					if done, err := seen(obj); done {
						watcher.Stop()
						return err
					}
				}
			}
		}
		watcher.Stop()
		if ctx.Err() != nil {
			return timeout(ctx.Err())
		}
		// The watch ended (server timeout, Error event): read again and watch anew.
	}
}

type ready struct {
	done  bool
	err   error
	state string
}

func readiness(u *unstructured.Unstructured) ready {
	kind, name := u.GetKind(), u.GetName()
	if kind == "Model" {
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] != "ModelReady" {
				continue
			}
			status, _ := m["status"].(string)
			reason, _ := m["reason"].(string)
			message, _ := m["message"].(string)
			state := fmt.Sprintf("ModelReady %s", status)
			if reason != "" {
				state += " (" + reason + ")"
			}
			if message != "" {
				state += ": " + message
			}
			switch {
			case status == "True":
				return ready{done: true, state: state}
			case status == "False" && strings.Contains(strings.ToLower(reason), "fail"):
				return ready{done: true, state: state, err: &FailedError{Kind: kind, Name: name, State: "ModelReady " + status + " (" + reason + ")", Reason: message}}
			}
			return ready{state: state}
		}
		return ready{state: "none: Seldon has written no ModelReady condition yet"}
	}
	state, _, _ := unstructured.NestedString(u.Object, "status", "state")
	desc, _, _ := unstructured.NestedString(u.Object, "status", "description")
	if state == "" {
		return ready{state: "none: Seldon has written no status yet"}
	}
	text := fmt.Sprintf("%q", state)
	if desc != "" {
		text += ": " + desc
	}
	switch state {
	case "Available":
		return ready{done: true, state: text}
	case "Failed":
		return ready{done: true, state: text, err: &FailedError{Kind: kind, Name: name, State: state, Reason: desc}}
	}
	return ready{state: text}
}
