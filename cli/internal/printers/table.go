// Package printers renders API objects for people and scripts: kubectl's
// tables (from a server-side meta.k8s.io/v1 Table), JSON, YAML, names,
// JSONPath and Go templates.
package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TableOptions selects what a table shows.
type TableOptions struct {
	Wide          bool // include priority > 0 columns (-o wide)
	WithNamespace bool // prefix a NAMESPACE column (-A)
	ShowLabels    bool // append a LABELS column
	NoHeaders     bool
	// Kind, when set, prefixes names with "kind/" as kubectl does when
	// several resource types are printed together.
	Kind string
}

// TableWriter prints rows of one or more Tables aligned in columns, as
// kubectl does. Call Flush when done.
type TableWriter struct {
	w       *tabwriter.Writer
	opts    TableOptions
	printed bool
}

// NewTableWriter returns a writer with kubectl's column spacing.
func NewTableWriter(out io.Writer, opts TableOptions) *TableWriter {
	return &TableWriter{w: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0), opts: opts}
}

// Write prints t's rows, and the header the first time.
func (tw *TableWriter) Write(t *metav1.Table) error {
	cols := tw.visibleColumns(t.ColumnDefinitions)
	if !tw.printed && !tw.opts.NoHeaders {
		var head []string
		if tw.opts.WithNamespace {
			head = append(head, "NAMESPACE")
		}
		for _, c := range cols {
			head = append(head, strings.ToUpper(t.ColumnDefinitions[c].Name))
		}
		if tw.opts.ShowLabels {
			head = append(head, "LABELS")
		}
		fmt.Fprintln(tw.w, strings.Join(head, "\t"))
	}
	tw.printed = true
	for _, row := range t.Rows {
		meta := RowMetadata(row)
		var cells []string
		if tw.opts.WithNamespace {
			cells = append(cells, meta.Namespace)
		}
		for i, c := range cols {
			cell := formatCell(cellAt(row.Cells, c))
			if i == 0 && tw.opts.Kind != "" {
				cell = tw.opts.Kind + "/" + cell
			}
			cells = append(cells, cell)
		}
		if tw.opts.ShowLabels {
			cells = append(cells, FormatLabels(meta.Labels))
		}
		fmt.Fprintln(tw.w, strings.Join(cells, "\t"))
	}
	return nil
}

// Printed reports whether any table (even an empty one) was written.
func (tw *TableWriter) Printed() bool { return tw.printed }

// Flush writes buffered rows.
func (tw *TableWriter) Flush() error { return tw.w.Flush() }

func (tw *TableWriter) visibleColumns(defs []metav1.TableColumnDefinition) []int {
	var idx []int
	for i, d := range defs {
		if d.Priority == 0 || tw.opts.Wide {
			idx = append(idx, i)
		}
	}
	return idx
}

func cellAt(cells []any, i int) any {
	if i < len(cells) {
		return cells[i]
	}
	return nil
}

func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "<none>"
	case string:
		if x == "" {
			return "<none>"
		}
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%g", x)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = formatCell(p)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(x)
	}
}

// FormatLabels prints labels as kubectl does: sorted k=v pairs joined by
// commas, or <none>.
func FormatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	return labels.FormatLabels(l)
}

// RowMetadata returns the object metadata carried by a Table row (the
// server sends PartialObjectMetadata by default); empty if absent.
func RowMetadata(row metav1.TableRow) metav1.ObjectMeta {
	var m metav1.PartialObjectMetadata
	if len(row.Object.Raw) > 0 {
		_ = json.Unmarshal(row.Object.Raw, &m)
	}
	return m.ObjectMeta
}
