package output

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

type row struct{ Name, Kind string }

var columns = []Column[row]{
	{Name: "Name", Value: func(r row) string { return r.Name }},
	{Name: "Kind", Value: func(r row) string { return r.Kind }},
	{Name: "Note", Extra: true, Value: func(row) string { return "extra\nline" }},
}

func TestList(t *testing.T) {
	rows := []row{{"a", "x"}, {"bbbb", ""}}
	tests := []struct {
		name    string
		o       Options
		rows    []row
		want    string
		wantErr string
		err     error
	}{
		{name: "table", o: Options{Format: Table}, rows: rows, want: "NAME   KIND\na      x\nbbbb\n"},
		{name: "fields pick and order columns, any case", o: Options{Format: Table, Fields: []string{"note", "NAME"}}, rows: rows, want: "NOTE         NAME\nextra line   a\nextra line   bbbb\n"},
		{name: "no headers", o: Options{Format: Table, NoHeaders: true}, rows: rows, want: "a      x\nbbbb\n"},
		{name: "a row with an empty last cell keeps the columns aligned", o: Options{Format: Table}, rows: []row{{"a", "x"}, {"bbbb", ""}, {"c", "z"}}, want: "NAME   KIND\na      x\nbbbb\nc      z\n"},
		{name: "unknown field", o: Options{Format: Table, Fields: []string{"nope"}}, rows: rows, err: ErrUnknownColumn},
		{name: "a JSON field, FuseML's COLUMN:FIELD", o: Options{Format: Table, Fields: []string{"name", "K:kind"}}, rows: rows, want: "NAME   K\na      x\nbbbb\n"},
		{name: "one column", o: Options{Format: Table, Fields: []string{"Kind"}}, rows: rows[:1], want: "KIND\nx\n"},
		{name: "empty table says so on stderr", o: Options{Format: Table}, wantErr: "No rows found.\n"},
		{name: "json", o: Options{Format: JSON}, rows: rows[:1], want: "[\n  {\n    \"Name\": \"a\",\n    \"Kind\": \"x\"\n  }\n]\n"},
		{name: "empty json is a list", o: Options{Format: JSON}, want: "[]\n"},
		{name: "yaml", o: Options{Format: YAML}, rows: rows[:1], want: "- Kind: x\n  Name: a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := List(&out, &errb, tt.o, columns, tt.rows, "rows")
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.String())
			assert.Equal(t, tt.wantErr, errb.String())
		})
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": Table, "TABLE": Table, "json": JSON, " yaml ": YAML} {
		got, err := ParseFormat(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseFormat("xml")
	assert.ErrorIs(t, err, ErrUnknownFormat)
}

func TestMap(t *testing.T) {
	assert.Equal(t, "A=1, B=x=y", Map(map[string]string{"B": "x=y", "A": "1"}))
	assert.Equal(t, "", Map(nil))
}

type nested struct {
	Name   string            `json:"name"`
	Status map[string]string `json:"status"`
	Tags   []string          `json:"tags"`
}

func TestPathColumns(t *testing.T) {
	items := []nested{{Name: "a", Status: map[string]string{"state": "ready"}, Tags: []string{"x", "y"}}}
	cols, err := Select([]Column[nested]{{Name: "Name", Value: func(n nested) string { return n.Name }}}, []string{"name", "status.state", "T:tags"}, items)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, WriteTable(&out, cols, items))
	assert.Equal(t, "NAME   STATUS.STATE   T\na      ready          [\"x\",\"y\"]\n", out.String())
	_, err = Select(nil, []string{"status.nope"}, items)
	assert.ErrorIs(t, err, ErrUnknownColumn)
}

// TestEncodeYAMLKeepsControlCharacters: a registry value holding DEL or NEL prints as
// YAML that reads back unchanged (sigs.k8s.io/yaml alone refuses the first and folds
// the second into a space).
func TestEncodeYAMLKeepsControlCharacters(t *testing.T) {
	in := map[string]string{"description": "a\x7fb\u0085c"}
	var b bytes.Buffer
	require.NoError(t, Encode(&b, YAML, in))
	var back map[string]string
	require.NoError(t, yaml.Unmarshal(b.Bytes(), &back), "%s", b.String())
	assert.Equal(t, in, back)
}
