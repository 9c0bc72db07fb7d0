package discovery

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"runtime"
	"strings"

	"github.com/go-chi/chi/v5"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/wharfhq/wharf/proto/api"
)

// ContentTypeAggregated is the media type of an aggregated discovery
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) response.
const ContentTypeAggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

// DefaultGitVersion is the gitVersion reported by /version: a semver
// kubectl accepts, of the upstream release whose API Wharf serves.
const DefaultGitVersion = "v1.37.0+wharf"

// Config is what New needs. The zero value serves api.All().
type Config struct {
	// Resources to advertise; api.All() if nil.
	Resources []*api.Info
	// Version is served at /version; Info() with DefaultGitVersion if zero.
	Version version.Info
	// Extra are served resources outside the catalogue, listed after
	// Resources, with verbs of their own.
	Extra []Extra
}

// Extra is a resource served by a handler of its own, such as the
// create-only review APIs or a second view of a stored resource.
type Extra struct {
	Info  *api.Info
	Verbs []string
	// StoredAs is the catalogued resource whose objects this one
	// serves (its storageVersionHash is advertised); nil for resources
	// that are not stored.
	StoredAs *api.Info
}

// Handler serves the discovery documents. Documents are rendered once,
// in New; Handler is safe for concurrent use.
type Handler struct {
	version      []byte
	groupList    []byte
	groups       map[string][]byte // "/apis/<group>" documents by group
	resources    map[string][]byte // APIResourceList by "v1", "apps/v1"
	aggCore      []byte
	aggGroups    []byte
	coreVersions []string
}

// Info returns the version.Info of this binary for gitVersion.
func Info(gitVersion string) version.Info {
	return version.Info{
		Major: "1", Minor: "37", GitVersion: gitVersion, GitTreeState: "clean",
		BuildDate: "1970-01-01T00:00:00Z", GoVersion: runtime.Version(), Compiler: runtime.Compiler,
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// New renders every document of cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Resources == nil {
		cfg.Resources = api.All()
	}
	if cfg.Version == (version.Info{}) {
		cfg.Version = Info(DefaultGitVersion)
	}
	gvs := groupVersions(cfg.Resources, cfg.Extra)
	h := &Handler{groups: map[string][]byte{}, resources: map[string][]byte{}}
	var core, named []groupVersion
	for _, gv := range gvs {
		b, err := json.Marshal(resourceList(gv))
		if err != nil {
			return nil, fmt.Errorf("discovery: render %s: %w", gv, err)
		}
		h.resources[gv.String()] = b
		if gv.group == "" {
			core = append(core, gv)
			h.coreVersions = append(h.coreVersions, gv.version)
		} else {
			named = append(named, gv)
		}
	}
	gl := groupList(gvs)
	for i := range gl.Groups {
		g := gl.Groups[i]
		g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
		h.groups[g.Name] = mustJSON(g)
	}
	h.version = mustJSON(cfg.Version)
	h.groupList = mustJSON(gl)
	h.aggCore = mustJSON(aggregated(core))
	h.aggGroups = mustJSON(aggregated(named))
	return h, nil
}

// mustJSON marshals values built from typed structs, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("discovery: marshal %T: %v", v, err))
	}
	return b
}

// Register mounts the discovery routes on r.
func (h *Handler) Register(r chi.Router) {
	r.Get("/version", h.serveBytes(h.version))
	r.Get("/api", h.serveAPI)
	r.Get("/apis", h.serveAPIs)
	r.Get("/api/{version}", func(w http.ResponseWriter, req *http.Request) {
		h.serveResources(w, chi.URLParam(req, "version"))
	})
	r.Get("/apis/{group}", func(w http.ResponseWriter, req *http.Request) {
		b, ok := h.groups[chi.URLParam(req, "group")]
		if !ok {
			writeNotFound(w)
			return
		}
		writeJSON(w, "application/json", b)
	})
	r.Get("/apis/{group}/{version}", func(w http.ResponseWriter, req *http.Request) {
		h.serveResources(w, chi.URLParam(req, "group")+"/"+chi.URLParam(req, "version"))
	})
}

func (h *Handler) serveBytes(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, "application/json", b) }
}

func (h *Handler) serveResources(w http.ResponseWriter, gv string) {
	b, ok := h.resources[gv]
	if !ok {
		writeNotFound(w)
		return
	}
	writeJSON(w, "application/json", b)
}

func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	if WantsAggregated(r.Header.Values("Accept")) {
		writeJSON(w, ContentTypeAggregated, h.aggCore)
		return
	}
	v := metav1.APIVersions{
		TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
		Versions: h.coreVersions,
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
			{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host},
		},
	}
	writeJSON(w, "application/json", mustJSON(v))
}

func (h *Handler) serveAPIs(w http.ResponseWriter, r *http.Request) {
	if WantsAggregated(r.Header.Values("Accept")) {
		writeJSON(w, ContentTypeAggregated, h.aggGroups)
		return
	}
	writeJSON(w, "application/json", h.groupList)
}

// WantsAggregated reports whether Accept header values list the
// apidiscovery.k8s.io/v2 APIGroupDiscoveryList JSON media type. Upstream
// clients list it first when they want it, so its presence is enough.
func WantsAggregated(accept []string) bool {
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "application/json" {
				continue
			}
			if params["g"] == "apidiscovery.k8s.io" && params["v"] == "v2" && params["as"] == "APIGroupDiscoveryList" {
				return true
			}
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// notFound is upstream's body for an unknown path.
var notFound = mustJSON(metav1.Status{
	TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
	Status:   metav1.StatusFailure, Message: "the server could not find the requested resource",
	Reason: metav1.StatusReasonNotFound, Details: &metav1.StatusDetails{}, Code: http.StatusNotFound,
})

func writeNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write(notFound)
}
