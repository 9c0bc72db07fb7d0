package app

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestReorder(t *testing.T) {
	common := []cli.Flag{
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}},
		&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}},
		&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}},
	}
	commands := map[string]bool{"": true, "get": true, "create": true, "create namespace": true}
	flags := func(path []string) []cli.Flag {
		if commands[strings.Join(path, " ")] {
			return common
		}
		return nil
	}
	cases := map[string]string{
		"get pods -n hack":             "get -n hack -- pods",
		"-n hack get pods -o wide":     "get -n hack -o wide -- pods",
		"get pods -A":                  "get -A -- pods",
		"get -o=json pods web":         "get -o=json -- pods web",
		"create namespace foo -o yaml": "create namespace -o yaml -- foo",
		"create -n hack -f -":          "create -n hack -f -",
		"get pods -- -weird-name":      "get -- pods -weird-name",
		"get":                          "get",
		"create -f x.yaml namespace":   "create namespace -f x.yaml",
	}
	for in, want := range cases {
		if got := strings.Join(reorder(strings.Fields(in), flags), " "); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}
