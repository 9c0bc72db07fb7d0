package openapi

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/handler3"

	"github.com/wharfhq/wharf/proto/api"
)

// Handler serves /openapi/v2 and /openapi/v3 (index and per
// group/version documents, with ETag/hash caching and protobuf on
// request, via k8s.io/kube-openapi's handlers).
type Handler struct {
	mux *http.ServeMux
}

// New builds the documents of infos (api.All() if nil).
func New(infos []*api.Info) (*Handler, error) {
	if infos == nil {
		infos = api.All()
	}
	mux := http.NewServeMux()
	v3 := handler3.NewOpenAPIService()
	byGV := map[string][]*api.Info{}
	var order []string
	for _, info := range infos {
		p := V3Path(info.GroupVersion())
		if _, ok := byGV[p]; !ok {
			order = append(order, p)
		}
		byGV[p] = append(byGV[p], info)
	}
	for _, p := range order {
		v3.UpdateGroupVersion(p, BuildV3(byGV[p]))
	}
	if err := v3.RegisterOpenAPIV3VersionedService("/openapi/v3", prefixMux{mux}); err != nil {
		return nil, fmt.Errorf("openapi: register v3: %w", err)
	}
	handler.NewOpenAPIService(BuildV2(infos)).RegisterOpenAPIVersionedService("/openapi/v2", prefixMux{mux})
	return &Handler{mux: mux}, nil
}

// Register mounts /openapi/v2 and /openapi/v3[/...] on r.
func (h *Handler) Register(r chi.Router) {
	r.Handle("/openapi/v2", h.mux)
	r.Handle("/openapi/v3", h.mux)
	r.Handle("/openapi/v3/*", h.mux)
}

// ServeHTTP serves the OpenAPI paths without a router.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// prefixMux adapts http.ServeMux to kube-openapi's PathHandler interfaces.
type prefixMux struct{ mux *http.ServeMux }

func (m prefixMux) Handle(path string, h http.Handler) { m.mux.Handle(path, h) }

// HandlePrefix gets paths ending in "/", which ServeMux treats as prefixes.
func (m prefixMux) HandlePrefix(prefix string, h http.Handler) { m.mux.Handle(prefix, h) }
