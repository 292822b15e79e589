package extension

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/input"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Update replaces an extension's own fields: with -f FILE, those of the descriptor
// (its services are ignored, with a note); otherwise the current ones changed by the
// flags, FuseML's way.
func Update(ctx context.Context, s *session.Session, c *cli.Context) error {
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	var id string
	switch args := c.Args().Slice(); {
	case len(args) == 1:
		id = args[0]
	case len(args) > 1:
		return session.Usagef("%s takes at most one argument, the extension ID; got %d", c.Command.HelpName, len(args))
	}
	file := c.String("file")
	if file == "" && id == "" {
		return session.Usagef("%s needs -f FILE, or the extension ID and the fields to change (see '%s --help')", c.Command.HelpName, c.Command.HelpName)
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	var e registry.Extension
	if file != "" {
		if err := s.Decode(file, &e); err != nil {
			return fmt.Errorf("reading the extension descriptor: %w", err)
		}
		switch {
		case id == "" && e.ID == "":
			return session.Usagef("the descriptor has no id: give the extension ID as the argument")
		case id != "" && e.ID != "" && id != e.ID:
			return session.Usagef("the descriptor's id %q differs from the argument %q", e.ID, id)
		case id == "":
			id = e.ID
		}
		if len(e.Services) > 0 {
			fmt.Fprintf(s.Err, "Note: update changes the extension's own fields; the %d service(s) in %s are left as registered (use 'fuseml extension service').\n", len(e.Services), file)
		}
	} else if e, err = cl.GetExtension(ctx, id); err != nil {
		return fmt.Errorf("getting extension %q: %w", id, err)
	}
	if err := apply(c, &e); err != nil {
		return err
	}
	e.ID, e.Services, e.Status = id, nil, nil
	got, err := cl.UpdateExtension(ctx, e)
	if err != nil {
		return fmt.Errorf("updating extension %q: %w", id, err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Extension %q updated.\n", id)
	return err
}

func apply(c *cli.Context, e *registry.Extension) error {
	if c.IsSet("desc") {
		e.Description = c.String("desc")
	}
	if c.IsSet("product") {
		e.Product = c.String("product")
	}
	if c.IsSet("version") {
		e.Version = c.String("version")
	}
	if c.IsSet("zone") {
		e.Zone = c.String("zone")
	}
	if c.IsSet("configuration") {
		cfg, err := input.Config("configuration", c.StringSlice("configuration"))
		if err != nil {
			return session.Usagef("%v", err)
		}
		e.Configuration = cfg
	}
	return nil
}
