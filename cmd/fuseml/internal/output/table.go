package output

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Column is one column of a table of T.
type Column[T any] struct {
	// Name is the header (printed upper-case) and what --field matches, ignoring case.
	Name string
	// Value gives the cell of one item, on one line.
	Value func(T) string
	// Extra columns are shown only when asked for with --field.
	Extra bool
}

// Select returns the columns named by fields, in that order, or the default ones
// when fields is empty. A field that names no column is, as in FuseML, a path into
// the item's JSON form, "k8s_namespace" or "status.state", optionally under a header
// of its own: "NS:k8s_namespace". Such a path must exist in at least one item.
func Select[T any](columns []Column[T], fields []string, items []T) ([]Column[T], error) {
	if len(fields) == 0 {
		var out []Column[T]
		for _, c := range columns {
			if !c.Extra {
				out = append(out, c)
			}
		}
		return out, nil
	}
	out := make([]Column[T], 0, len(fields))
	for _, f := range fields {
		if i := slices.IndexFunc(columns, func(c Column[T]) bool { return strings.EqualFold(c.Name, f) }); i >= 0 {
			out = append(out, columns[i])
			continue
		}
		c, err := pathColumn(f, items)
		if err != nil {
			names := make([]string, len(columns))
			for j, c := range columns {
				names[j] = c.Name
			}
			return nil, fmt.Errorf("%w %q (columns: %s; or a JSON field such as k8s_namespace or status.state)", ErrUnknownColumn, f, strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

// pathColumn is the column of a "HEADER:path.to.field" or "path.to.field" field.
func pathColumn[T any](field string, items []T) (Column[T], error) {
	header, path, ok := strings.Cut(field, ":")
	if !ok {
		path = field
	}
	segs := strings.Split(strings.ToLower(path), ".")
	c := Column[T]{Name: header, Value: func(it T) string {
		v, _ := lookupPath(it, segs)
		return v
	}}
	for _, it := range items {
		if _, found := lookupPath(it, segs); found {
			return c, nil
		}
	}
	if len(items) == 0 {
		return c, nil
	}
	return c, ErrUnknownColumn
}

// lookupPath finds a field of v's JSON form by lower-case path; objects and lists
// print as compact JSON.
func lookupPath(v any, segs []string) (string, bool) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	var cur any
	if json.Unmarshal(data, &cur) != nil {
		return "", false
	}
	for _, s := range segs {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		found := false
		for k, val := range m {
			if strings.ToLower(k) == s {
				cur, found = val, true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	switch x := cur.(type) {
	case string:
		return x, true
	case nil:
		return "", true
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b), true
	default:
		return fmt.Sprint(x), true
	}
}

// Cell flattens a value to one table cell: newlines and tabs become spaces.
func Cell(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// WriteTable prints items under the given columns, aligned, kubectl-style.
func WriteTable[T any](w io.Writer, columns []Column[T], items []T) error {
	return writeTable(w, columns, items, true)
}

func writeTable[T any](w io.Writer, columns []Column[T], items []T, headers bool) error {
	var rows [][]string
	if headers {
		names := make([]string, len(columns))
		for i, c := range columns {
			names[i] = strings.ToUpper(c.Name)
		}
		rows = append(rows, names)
	}
	for _, it := range items {
		row := make([]string, len(columns))
		for i, c := range columns {
			row[i] = Cell(c.Value(it))
		}
		rows = append(rows, row)
	}
	return align(w, rows, 3)
}

// align prints rows with each column as wide as its widest cell plus gap, and no
// blanks at the end of a line.
func align(w io.Writer, rows [][]string, gap int) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+gap))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// List prints a list in the chosen format: a table of the selected columns, or the
// items as a JSON or YAML list. An empty table prints nothing on w and says so on
// errw, as kubectl does.
func List[T any](w, errw io.Writer, o Options, columns []Column[T], items []T, noun string) error {
	if o.Format != Table && o.Format != "" {
		if items == nil {
			items = []T{}
		}
		return Encode(w, o.Format, items)
	}
	cols, err := Select(columns, o.Fields, items)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		_, err := fmt.Fprintf(errw, "No %s found.\n", noun)
		return err
	}
	return writeTable(w, cols, items, !o.NoHeaders)
}

// Fields prints "Key: value" lines aligned on the values, skipping empty values.
func Fields(w io.Writer, pairs ...[2]string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	for _, p := range pairs {
		if p[1] == "" {
			continue
		}
		fmt.Fprintf(tw, "%s:\t%s\n", p[0], p[1])
	}
	return tw.Flush()
}

// Map formats a configuration map as "K=V, K=V" in key order.
func Map(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

// YesNo prints a boolean as yes or no.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
