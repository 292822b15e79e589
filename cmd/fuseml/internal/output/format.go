package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/internal/yamlout"
)

// Format is how a command prints its result.
type Format string

// The formats.
const (
	Table Format = "table"
	JSON  Format = "json"
	YAML  Format = "yaml"
)

// ParseFormat reads "table", "json" or "yaml" (any case); empty means table.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", Table:
		return Table, nil
	case JSON, YAML:
		return f, nil
	}
	return "", fmt.Errorf("%q: %w", s, ErrUnknownFormat)
}

// Options are the output flags of one command.
type Options struct {
	Format Format
	// Fields are the columns asked for with --field; empty means the defaults.
	Fields []string
	// NoHeaders leaves out the table's header line (--no-headers), for scripts.
	NoHeaders bool
}

// Flag names.
const (
	FormatFlag    = "format"
	FieldFlag     = "field"
	NoHeadersFlag = "no-headers"
)

// Flags returns --format/-o, and --field/-c when the command prints a list.
func Flags(list bool) []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: FormatFlag, Aliases: []string{"o"}, Value: string(Table), Usage: "output format: table, json or yaml"},
	}
	if list {
		flags = append(flags,
			&cli.StringSliceFlag{Name: FieldFlag, Aliases: []string{"c"}, Usage: "columns to show, in order (repeat or separate with commas), or JSON fields as HEADER:path.to.field; table format only"},
			&cli.BoolFlag{Name: NoHeadersFlag, Usage: "leave out the table's header line"},
		)
	}
	return flags
}

// FromContext reads the output flags of a command.
func FromContext(c *cli.Context) (Options, error) {
	f, err := ParseFormat(c.String(FormatFlag))
	if err != nil {
		return Options{}, err
	}
	var fields []string
	for _, v := range c.StringSlice(FieldFlag) {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				fields = append(fields, part)
			}
		}
	}
	return Options{Format: f, Fields: fields, NoHeaders: c.Bool(NoHeadersFlag)}, nil
}

// Encode writes v as indented JSON or as YAML, with the registry's field names.
func Encode(w io.Writer, f Format, v any) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encoding JSON: %w", err)
		}
		return nil
	case YAML:
		data, err := yamlout.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding YAML: %w", err)
		}
		_, err = w.Write(data)
		return err
	}
	return fmt.Errorf("%q: %w", f, ErrUnknownFormat)
}
