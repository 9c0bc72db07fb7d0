package iptables

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLineOf(t *testing.T) {
	text := "*nat\n:KUBE-X - [0:0]\n-A KUBE-X -j ACCEPT\nCOMMIT\n"
	for n, want := range []string{"", "*nat", ":KUBE-X - [0:0]", "-A KUBE-X -j ACCEPT", "COMMIT", ""} {
		// An iotest-style reader delivering one byte per write checks
		// lines split across writes.
		if got := lineOf(oneByteWriterTo(text), n); got != want {
			t.Errorf("lineOf(%d) = %q, want %q", n, got, want)
		}
		if got := lineOf(bytes.NewReader([]byte(text)), n); got != want {
			t.Errorf("lineOf(bytes, %d) = %q, want %q", n, got, want)
		}
	}
}

type oneByteWriterTo string

func (s oneByteWriterTo) WriteTo(w io.Writer) (int64, error) {
	for i := range len(s) {
		if _, err := w.Write([]byte{s[i]}); err != nil {
			return int64(i), err
		}
	}
	return int64(len(s)), nil
}

// TestStreamConsumerStops: a restore that dies without reading its input
// must not leave the writer blocked, and its error wins.
func TestStreamConsumerStops(t *testing.T) {
	big := bytes.NewReader([]byte(strings.Repeat("-A KUBE-X -j ACCEPT\n", 100000)))
	boom := errors.New("boom")
	_, err := stream(big, func(r io.Reader) error {
		_, _ = r.Read(make([]byte, 10))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	var got bytes.Buffer
	n, err := stream(bytes.NewReader([]byte("abc\n")), func(r io.Reader) error { _, err := io.Copy(&got, r); return err })
	if err != nil || n != 4 || got.String() != "abc\n" {
		t.Fatalf("stream = %d, %v, %q", n, err, got.String())
	}
}

func TestBatchLines(t *testing.T) {
	tests := []struct {
		mode Mode
		full bool
		ours int // our chains in nat
		want int
	}{
		{Legacy, true, 0, 0},
		{Legacy, false, 0, 0},
		{NFT, true, 0, nftColdBatchLines},
		{NFT, true, 10, nftColdBatchLines},
		{NFT, true, nftWarmChains, nftWarmBatchLines},
		{NFT, false, 0, nftWarmBatchLines},
	}
	for _, tc := range tests {
		s := &Syncer{mode: tc.mode}
		if got := s.batchLines(tc.full, tc.ours); got != tc.want {
			t.Errorf("%s full=%v %d chains: batchLines = %d, want %d", tc.mode, tc.full, tc.ours, got, tc.want)
		}
	}
}
