// Package servicepods is what the Endpoints and EndpointSlice controllers
// share: which pods back a selector-bearing Service, with which resolved
// ports, readiness and address details, and which Service keys to queue
// when a Service or one of its pods changes.
//
//	Watch(services, pods, add)   service event → its key; pod event → keys of services selecting it
//	Backends(svc, pods)          eligible pods → []Backend{pod, ports, ready, serving, terminating, hostname}
//
// Vocabulary: a pod is "eligible" when it has an IP and has not finished
// (terminating pods only with publishNotReadyAddresses); an eligible pod
// is a "backend" once its ports resolve (a service without ports takes
// every eligible pod).
package servicepods
