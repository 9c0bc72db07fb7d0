package images

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations naming an image in an OCI layout's index.json.
const (
	AnnotationContainerdName = "io.containerd.image.name"
	AnnotationRefName        = "org.opencontainers.image.ref.name"
)

// WriteOCIFile writes img as an OCI image-layout tarball at path (see
// WriteOCI).
func WriteOCIFile(path string, img v1.Image, refs ...string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	if err := WriteOCI(f, img, refs...); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return nil
}

// WriteOCI writes img as an OCI image-layout tarball (oci-layout,
// index.json, blobs/sha256/...) whose index lists the manifest once per ref
// ("docker.io/library/hello:latest"), annotated the way `ctr images import`
// and the kubelet's importer name images.
func WriteOCI(w io.Writer, img v1.Image, refs ...string) error {
	tw := tar.NewWriter(w)
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch}); err != nil {
			return fmt.Errorf("images: %w", err)
		}
	}
	if err := writeEntry(tw, "oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := writeBlobs(tw, img); err != nil {
		return err
	}
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	for _, ref := range refs {
		desc, err := manifestDescriptor(img, ref)
		if err != nil {
			return err
		}
		index.Manifests = append(index.Manifests, desc)
	}
	data, err := json.Marshal(index)
	if err != nil {
		return fmt.Errorf("images: index: %w", err)
	}
	if err := writeEntry(tw, "index.json", data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return nil
}

func writeBlobs(tw *tar.Writer, img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("images: layers: %w", err)
	}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return fmt.Errorf("images: layer digest: %w", err)
		}
		rc, err := l.Compressed()
		if err != nil {
			return fmt.Errorf("images: layer: %w", err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("images: layer: %w", err)
		}
		if err := writeEntry(tw, "blobs/sha256/"+h.Hex, data); err != nil {
			return err
		}
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("images: config digest: %w", err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("images: config: %w", err)
	}
	if err := writeEntry(tw, "blobs/sha256/"+cfgName.Hex, cfg); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("images: manifest digest: %w", err)
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return fmt.Errorf("images: manifest: %w", err)
	}
	return writeEntry(tw, "blobs/sha256/"+digest.Hex, manifest)
}

func manifestDescriptor(img v1.Image, ref string) (v1.Descriptor, error) {
	digest, err := img.Digest()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("images: %w", err)
	}
	size, err := img.Size()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("images: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("images: %w", err)
	}
	tag := ref
	if i := lastColonAfterSlash(ref); i >= 0 {
		tag = ref[i+1:]
	}
	return v1.Descriptor{
		MediaType: mt, Size: size, Digest: digest,
		Annotations: map[string]string{AnnotationContainerdName: ref, AnnotationRefName: tag},
	}, nil
}

// lastColonAfterSlash returns the index of the tag separator in ref, or -1.
func lastColonAfterSlash(ref string) int {
	for i := len(ref) - 1; i >= 0; i-- {
		switch ref[i] {
		case ':':
			return i
		case '/':
			return -1
		}
	}
	return -1
}

func writeEntry(tw *tar.Writer, name string, data []byte) error {
	h := &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)), ModTime: epoch}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("images: %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("images: %s: %w", name, err)
	}
	return nil
}
