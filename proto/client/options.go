package client

import (
	"fmt"
	"net/url"

	"k8s.io/apimachinery/pkg/conversion/queryparams"
)

// query encodes an options struct (metav1.ListOptions, GetOptions,
// CreateOptions, PodLogOptions...) as query parameters the way client-go's
// parameter codec does: JSON field names, omitempty honoured, slices
// repeated ("dryRun=All").
func query(opts any) (url.Values, error) {
	v, err := queryparams.Convert(opts)
	if err != nil {
		return nil, fmt.Errorf("client: encoding %T as query parameters: %w", opts, err)
	}
	return v, nil
}
