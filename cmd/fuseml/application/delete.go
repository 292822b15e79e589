package application

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Delete deletes an application, after asking on a terminal unless --yes, and says
// whether the registry deleted its Kubernetes objects too.
func Delete(ctx context.Context, s *session.Session, c *cli.Context) error {
	n, err := name(c)
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if !c.Bool("yes") {
		ok, err := s.Confirm(ctx, fmt.Sprintf("delete application %q and its prediction service?", n), "yes")
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(s.Err, "Not deleted.")
			return nil
		}
	}
	d, err := cl.DeleteApplication(ctx, n)
	if err != nil {
		return fmt.Errorf("deleting application %q: %w", n, err)
	}
	fmt.Fprintf(s.Out, "Application %q deleted.\n", n)
	if !d.KubernetesDeleted {
		var objs []string
		for _, r := range d.K8sResources {
			objs = append(objs, r.Kind+"/"+r.Name)
		}
		msg := d.Message
		if msg == "" {
			msg = "the registry did not delete its Kubernetes objects"
		}
		fmt.Fprintf(s.Err, "Warning: %s", msg)
		if len(objs) > 0 {
			fmt.Fprintf(s.Err, " (%s in namespace %q)", strings.Join(objs, ", "), d.K8sNamespace)
		}
		fmt.Fprintln(s.Err)
	}
	return nil
}
