// Package endpoints is the Endpoints controller: for every Service with a
// selector it keeps an Endpoints object of the same name listing the
// matching pods' IPs and resolved target ports.
//
//	service/pod/endpoints events ──► queue(service key) ──► sync
//	    read:    service, pods matching its selector (listers)
//	    compute: DesiredSubsets (ready → addresses, else notReadyAddresses)
//	    write:   create/update the Endpoints, delete it with the Service
//
// Services without a selector (such as default/kubernetes, whose
// Endpoints the apiserver maintains) are left alone.
package endpoints
