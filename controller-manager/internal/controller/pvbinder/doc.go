// Package pvbinder is the PersistentVolume binder (upstream's
// "persistentvolume-binder"): it binds Pending claims to Available
// volumes and keeps volume and claim phases right.
//
//	claim/volume events ──► queue(claim:<ns>/<name> | volume:<name>) ──► sync
//	  claim:  FindVolume (pre-bound, else smallest fitting by class, mode,
//	          access modes, capacity, selector) → bind:
//	            1. pv.spec.claimRef   (the write that wins a race: an update
//	               with the cached resourceVersion conflicts if another
//	               claim got there first)
//	            2. pv.status.phase = Bound
//	            3. pvc.spec.volumeName + bind annotations
//	            4. pvc.status = Bound, capacity, accessModes
//	          nothing fits → Pending and a FailedBinding event
//	  volume: claimRef to a claim that is gone → Released (Retain/Recycle)
//	          or deleted (Delete); no claimRef → Available
//
// Every step is idempotent, so a sync that fails halfway is completed by
// the next one. Dynamic provisioning is not done: Wharf serves no
// StorageClass objects.
package pvbinder
