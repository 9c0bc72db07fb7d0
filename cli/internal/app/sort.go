package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/jsonpath"
)

// sortKey evaluates a --sort-by JSONPath (".metadata.name" or
// "{.metadata.name}") on an object.
type sortKey struct{ jp *jsonpath.JSONPath }

func newSortKey(expr string) (*sortKey, error) {
	if !strings.HasPrefix(expr, "{") {
		expr = "{" + expr + "}"
	}
	jp := jsonpath.New("sort").AllowMissingKeys(true)
	if err := jp.Parse(expr); err != nil {
		return nil, usageError(fmt.Sprintf("invalid --sort-by %q: %v", expr, err))
	}
	return &sortKey{jp: jp}, nil
}

func (k *sortKey) value(obj any) string {
	var buf bytes.Buffer
	if err := k.jp.Execute(&buf, obj); err != nil {
		return ""
	}
	return buf.String()
}

// less orders values numerically when both parse as numbers or quantities,
// otherwise as strings, as kubectl's sorter does.
func less(a, b string) bool {
	if fa, err1 := strconv.ParseFloat(a, 64); err1 == nil {
		if fb, err2 := strconv.ParseFloat(b, 64); err2 == nil {
			return fa < fb
		}
	}
	if qa, err1 := resource.ParseQuantity(a); err1 == nil {
		if qb, err2 := resource.ParseQuantity(b); err2 == nil {
			return qa.Cmp(qb) < 0
		}
	}
	return a < b
}

func sortObjects(items []*unstructured.Unstructured, expr string) error {
	if expr == "" {
		return nil
	}
	k, err := newSortKey(expr)
	if err != nil {
		return err
	}
	sort.SliceStable(items, func(i, j int) bool { return less(k.value(items[i].Object), k.value(items[j].Object)) })
	return nil
}

// sortRows sorts table rows by the objects the server included with
// includeObject=Object.
func sortRows(t *metav1.Table, expr string) error {
	if expr == "" {
		return nil
	}
	k, err := newSortKey(expr)
	if err != nil {
		return err
	}
	vals := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		var obj map[string]any
		_ = json.Unmarshal(r.Object.Raw, &obj)
		vals[i] = k.value(obj)
	}
	idx := make([]int, len(t.Rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return less(vals[idx[a]], vals[idx[b]]) })
	rows := make([]metav1.TableRow, len(t.Rows))
	for i, j := range idx {
		rows[i] = t.Rows[j]
	}
	t.Rows = rows
	return nil
}
