package openapi

import (
	sigsjson "sigs.k8s.io/json"

	"github.com/wharfhq/wharf/proto/api"
)

// UnknownFields returns the problems strict decoding finds in raw, a JSON
// object of info's kind, worded as upstream words them:
//
//	unknown field "spec.containers[0].imagee"
//	duplicate field "metadata.name"
//
// It returns nil when raw is clean, and also when raw is not valid JSON
// for the kind at all (the caller's own decoding reports that).
//
// Servers use it for fieldValidation: Strict → 400 BadRequest with
// message `<Kind> in version "<v>" cannot be handled as a <Kind>: strict
// decoding error: <problems joined by ", ">`; Warn → one
// `Warning: 299 - "<problem>"` response header each; Ignore → nothing.
func UnknownFields(info *api.Info, raw []byte) []string {
	strict, err := sigsjson.UnmarshalStrict(raw, info.New())
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(strict))
	for _, e := range strict {
		out = append(out, e.Error())
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
