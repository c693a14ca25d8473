package content

import (
	"bytes"
	"strings"
	"testing"
)

// The ink check measures unfiltered inline images from the data the
// interpreter passes on, with their Decode array and inline palette.
func TestInlineImageData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		data          []byte
		lookup        []byte
	}{
		{"length known", "BI /W 2 /H 1 /CS /CMYK /BPC 8 /D [1 0 1 0 1 0 1 0] ID \x01\x02\x03\x04EIEI\x05\x06\x07\x08\nEI Q", []byte("\x01\x02\x03\x04EIEI\x05\x06\x07\x08"), nil},
		{"found by EI", "BI /W 2 /H 1 /CS /CS0 /BPC 8 ID \x01\x02\nEI Q", []byte("\x01\x02"), nil},
		{"indexed with a palette", "BI /W 1 /H 1 /CS [/I /CMYK 1 <00000000ffffffff>] /BPC 8 ID \x01\nEI", []byte("\x01"), []byte("\x00\x00\x00\x00\xff\xff\xff\xff")},
		{"filtered", "BI /W 2 /H 1 /CS /CMYK /BPC 8 /F /AHx ID 0102030405060708>\nEI", nil, nil},
	}
	for _, tt := range tests {
		var got *ImageInfo
		rec := &recorder{}
		in := NewInterpreter(visitFunc(func(p *Paint) {
			img := *p.Image
			img.Data = bytes.Clone(img.Data) // valid only during the call
			got = &img
		}, rec), Limits{})
		if err := in.Run(t.Context(), strings.NewReader(tt.content), testRes(), Identity); err != nil {
			t.Fatal(err)
		}
		if got == nil {
			t.Fatalf("%s: no image painted", tt.name)
		}
		if !bytes.Equal(got.Data, tt.data) {
			t.Errorf("%s: data %q, want %q", tt.name, got.Data, tt.data)
		}
		if tt.name == "length known" && len(got.Decode) != 8 {
			t.Errorf("%s: Decode %v, want 8 numbers", tt.name, got.Decode)
		}
		if !bytes.Equal(got.ColorSpace.Lookup, tt.lookup) {
			t.Errorf("%s: palette %q, want %q", tt.name, got.ColorSpace.Lookup, tt.lookup)
		}
	}
}

// paintFunc is a Visitor that hands each Paint to a function and records
// problems in rec.
type paintFunc struct {
	paint func(*Paint)
	rec   *recorder
}

func visitFunc(f func(*Paint), rec *recorder) Visitor { return paintFunc{f, rec} }
func (v paintFunc) Paint(p *Paint)                    { v.paint(p) }
func (v paintFunc) Problem(err error)                 { v.rec.Problem(err) }
