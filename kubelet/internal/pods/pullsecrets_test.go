package pods

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

func TestDockerCredentials(t *testing.T) {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "regcred"}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{
			"https://index.docker.io/v1/":{"auth":"Ym9iOnB3OmQ="},
			"reg.example:5000":{"username":"alice","password":"s3cret"}}}`)},
	}
	got, err := DockerCredentials(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []runtime.Credential{{Host: "docker.io", Username: "bob", Password: "pw:d"}, {Host: "reg.example:5000", Username: "alice", Password: "s3cret"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("credentials = %+v, want %+v", got, want)
	}
	old := &corev1.Secret{Type: corev1.SecretTypeDockercfg, Data: map[string][]byte{corev1.DockerConfigKey: []byte(`{"http://r:1/":{"username":"u","password":"p"}}`)}}
	if got, err := DockerCredentials(old); err != nil || len(got) != 1 || got[0].Host != "r:1" {
		t.Errorf("dockercfg = %+v, %v", got, err)
	}
	for _, bad := range []*corev1.Secret{
		{Type: corev1.SecretTypeOpaque},
		{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte("{")}},
		{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{"h":{"auth":"!!"}}}`)}},
		{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{"h":{"auth":"bm9jb2xvbg=="}}}`)}},
	} {
		if _, err := DockerCredentials(bad); err == nil {
			t.Errorf("bad secret %+v accepted", bad)
		}
	}
}
