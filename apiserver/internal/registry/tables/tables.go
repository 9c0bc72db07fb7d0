package tables

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/wharfhq/wharf/proto/api"
)

// Printer is the Table form of one resource.
type Printer struct {
	// Columns are upstream's column definitions, wide ones at Priority 1.
	Columns []metav1.TableColumnDefinition
	// Row returns one cell per column for obj, with ages relative to now.
	// obj must be of the resource's kind.
	Row func(obj api.Object, now time.Time) []any
}

// registry maps resource names to printers.
type registry map[string]Printer

func (r registry) add(resource string, cols []metav1.TableColumnDefinition, row func(api.Object, time.Time) []any) {
	r[resource] = Printer{Columns: cols, Row: row}
}

// printers is built once and only read afterwards.
var printers = func() registry {
	r := registry{}
	addPods(r)
	addCore(r)
	addApps(r)
	addRBAC(r)
	addNetworking(r)
	return r
}()

// For returns the printer of a resource (plural name); resources without
// their own get NAME and AGE.
func For(resource string) Printer {
	if p, ok := printers[resource]; ok {
		return p
	}
	return Printer{Columns: []metav1.TableColumnDefinition{nameColumn, ageColumn}, Row: func(obj api.Object, now time.Time) []any {
		return []any{obj.GetName(), age(obj.GetCreationTimestamp(), now)}
	}}
}

var (
	nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
	ageColumn = metav1.TableColumnDefinition{Name: "Age", Type: "string",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
	createdAtColumn = metav1.TableColumnDefinition{Name: "Created At", Type: "date",
		Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
	containersColumn = wide("Containers", "string", "Names of each container in the template.")
	imagesColumn     = wide("Images", "string", "Images referenced by each container in the template.")
)

func col(name, typ, desc string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: desc}
}

func wide(name, typ, desc string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Priority: 1, Description: desc}
}

// age is upstream's translateTimestampSince.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func microAge(t metav1.MicroTime, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// containerCells joins container names and images with commas.
func containerCells(cs []corev1.Container) (string, string) {
	names := make([]string, len(cs))
	images := make([]string, len(cs))
	for i, c := range cs {
		names[i], images[i] = c.Name, c.Image
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

// selectorString is metav1.LabelSelectorAsSelector(sel).String(), with
// an invalid selector printed as "<invalid>".
func selectorString(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid>"
	}
	return s.String()
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// listWithMore joins up to three items and says how many were left out.
func listWithMore(list []string, count int, empty string) string {
	const max = 3
	if len(list) > max {
		list = list[:max]
	}
	ret := strings.Join(list, ",")
	if count > max {
		return ret + " + " + itoa(count-max) + " more..."
	}
	if ret == "" {
		return empty
	}
	return ret
}
