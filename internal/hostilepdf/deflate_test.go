package hostilepdf

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

func TestZlibDecodesToWhatItSays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		prefix, unit, suffix []byte
		count                int64
	}{
		{"few zeros, compressed whole", nil, []byte{0}, []byte("end"), 1000},
		{"zeros", nil, []byte{0}, nil, 5*chunk + 12345},
		{"prefix and operators", []byte("1 0 0 1 0 0 cm\n"), []byte("0 0 m 1 1 l S\n"), nil, 3*chunk/14 + 7},
		{"exact chunks and a suffix", []byte("x"), []byte{0}, []byte("<< /Type /Catalog >>"), 4 * chunk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := bytes.Join([][]byte{tt.prefix, bytes.Repeat(tt.unit, int(tt.count)), tt.suffix}, nil)
			zr, err := zlib.NewReader(bytes.NewReader(Zlib(tt.prefix, tt.unit, tt.count, tt.suffix)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr) // checks the Adler-32 too
			if err != nil {
				t.Fatalf("read after %d bytes: %v", len(got), err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("decoded %d bytes, want %d (equal prefix: %v)", len(got), len(want), bytes.HasPrefix(want, got))
			}
		})
	}
}
