package pdfobj

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// streamDoc opens a one-page file whose content stream has the given
// dictionary entries and data, and returns it with that stream.
func streamDoc(t *testing.T, dict string, data []byte, opts Options) (*Doc, *types.StreamDict) {
	t.Helper()
	return openStream(t, context.Background(), streamFile(dict, data), opts)
}

// streamFile is a one-page file whose content stream (object 4) has the
// given dictionary entries and data.
func streamFile(dict string, data []byte) []byte {
	p := newPDF()
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
	p.stream(4, dict, data)
	p.table(nil, "/Size 5 /Root 1 0 R")
	return p.bytes()
}

func openStream(t *testing.T, ctx context.Context, pdf []byte, opts Options) (*Doc, *types.StreamDict) {
	t.Helper()
	d, err := Open(ctx, bytes.NewReader(pdf), int64(len(pdf)), opts)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := d.DereferenceStreamDict(types.IndirectRef{ObjectNumber: 4})
	if err != nil || sd == nil {
		t.Fatalf("stream: %v", err)
	}
	return d, sd
}

func encode(t *testing.T, name string, parms map[string]int, data []byte) []byte {
	t.Helper()
	f, err := filter.NewFilter(name, parms)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Encode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	return out
}

// pdfcpuDecode is the oracle: pdfcpu's filters, which decode into buffers.
func pdfcpuDecode(t *testing.T, names []string, parms map[string]int, data []byte) []byte {
	t.Helper()
	for _, name := range names {
		f, err := filter.NewFilter(name, parms)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("pdfcpu %s: %v", name, err)
		}
		data, _ = io.ReadAll(r)
	}
	return data
}

// pngRows predicts rows of row bytes (bpp bytes a pixel) with PNG filter
// types chosen in turn, as an encoder that picks per row would.
func pngRows(data []byte, row, bpp int) []byte {
	var out []byte
	prev := make([]byte, row)
	for y := 0; y*row < len(data); y++ {
		cur := data[y*row : (y+1)*row]
		typ := byte(y % 5)
		out = append(out, typ)
		for i, c := range cur {
			var a, b, cc int
			if i >= bpp {
				a, cc = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b = int(prev[i])
			switch typ {
			case 1:
				c -= byte(a)
			case 2:
				c -= byte(b)
			case 3:
				c -= byte((a + b) / 2)
			case 4:
				c -= paeth(a, b, cc)
			}
			out = append(out, c)
		}
		prev = cur
	}
	return out
}

// Every filter reads as pdfcpu's decodes it, through StreamReader's
// readers rather than buffers.
func TestFiltersMatchPdfcpu(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	text := bytes.Repeat([]byte("0 0 1 rg 10 10 80 80 re f BT /F1 12 Tf (Hello) Tj ET\n"), 2000)
	noise := make([]byte, 60*40*4)
	for i := range noise {
		noise[i] = byte(rng.IntN(8)) * 30
	}
	png := pngRows(noise, 60*4, 4)
	tiff := bytes.Clone(noise)
	for i := len(tiff) - 1; i >= 4; i-- {
		if i%(60*4) >= 4 {
			tiff[i] -= noise[i-4]
		}
	}
	pngParms := map[string]int{"Predictor": 15, "Colors": 4, "Columns": 60}
	tests := []struct {
		name  string
		dict  string
		data  []byte
		names []string
		parms map[string]int
	}{
		{"flate", "/Filter /FlateDecode", encode(t, filter.Flate, nil, text), []string{filter.Flate}, nil},
		{"flate, PNG predictors", "/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 4 /Columns 60 >>",
			encode(t, filter.Flate, nil, png), []string{filter.Flate}, pngParms},
		{"flate, TIFF predictor", "/Filter /FlateDecode /DecodeParms << /Predictor 2 /Colors 4 /Columns 60 >>",
			encode(t, filter.Flate, nil, tiff), []string{filter.Flate}, map[string]int{"Predictor": 2, "Colors": 4, "Columns": 60}},
		{"LZW", "/Filter /LZWDecode", encode(t, filter.LZW, nil, text), []string{filter.LZW}, nil},
		{"LZW, no early change", "/Filter /LZWDecode /DecodeParms << /EarlyChange 0 >>",
			encode(t, filter.LZW, map[string]int{"EarlyChange": 0}, text), []string{filter.LZW}, map[string]int{"EarlyChange": 0}},
		{"ASCIIHex", "/Filter /ASCIIHexDecode", []byte("48 65 6c\n6C 6f 2>"), []string{filter.ASCIIHex}, nil},
		{"ASCII85", "/Filter /ASCII85Decode", encode(t, filter.ASCII85, nil, text), []string{filter.ASCII85}, nil},
		{"RunLength", "/Filter /RunLengthDecode", encode(t, filter.RunLength, nil, append(bytes.Repeat([]byte{7}, 300), text[:500]...)),
			[]string{filter.RunLength}, nil},
		{"ASCII85 of flate", "/Filter [/ASCII85Decode /FlateDecode]", encode(t, filter.ASCII85, nil, encode(t, filter.Flate, nil, text)),
			[]string{filter.ASCII85, filter.Flate}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := pdfcpuDecode(t, tt.names, tt.parms, tt.data)
			d, sd := streamDoc(t, tt.dict, tt.data, Options{})
			got, err := d.Decode(sd, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decoded %d bytes, pdfcpu %d; first difference at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// A stream is read as a stream: 256 MiB of zeros pass through in a few
// buffers, and the limit is counted as they pass, by every filter. Not
// parallel: it counts the bytes the process allocates.
func TestStreamReaderHoldsNothing(t *testing.T) {
	const size = 256 << 20
	d, sd := streamDoc(t, "/Filter /FlateDecode", hostilepdf.Zeros(size), Options{})
	r, err := d.StreamReader(sd, size)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := io.CopyBuffer(io.Discard, r, make([]byte, 32<<10))
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("reading 256 MiB allocated %d bytes", alloc)
	}

	r, _ = d.StreamReader(sd, size-1)
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one byte over the limit: %v, want ErrTooLarge", err)
	}
	// White space inside hex data decodes to nothing, so the limit on
	// the data out of the last filter would never be reached.
	d, sd = streamDoc(t, "/Filter [/FlateDecode /ASCIIHexDecode]", hostilepdf.Zlib(nil, []byte{' '}, size, nil), Options{})
	r, _ = d.StreamReader(sd, 1<<20)
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, ErrTooLarge) {
		t.Errorf("white space bomb under hex: %v, want ErrTooLarge", err)
	}
}

// Hostile parameters are refused before anything is allocated for them.
func TestStreamReaderRefusesHostileParameters(t *testing.T) {
	t.Parallel()
	for _, dict := range []string{
		"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 4 /Columns 2147483647 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 2147483647 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 15 /BitsPerComponent 2147483647 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 99 >>",
		"/Filter /NoSuchDecode",
		// Rows whose size overflows: 8 × 2^60 bits is negative, and
		// 256 × 2^56 is 0, a row that reads nothing for ever.
		"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1152921504606846976 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 2 /Colors 32 /Columns 72057594037927936 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Colors 32 /Columns 72057594037927936 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 4 /BitsPerComponent 16 /Columns 36028797018963968 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 0 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns -8 >>",
	} {
		d, sd := streamDoc(t, dict, hostilepdf.Zeros(100), Options{})
		if _, err := d.StreamReader(sd, 1<<30); err == nil {
			t.Errorf("%s: no error", dict)
		}
	}
}

// A predictor reads one row at a time and stops when the document's
// context ends, even when asked for a large buffer at once.
func TestPredictorStopsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	dict := "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>"
	d, sd := openStream(t, ctx, streamFile(dict, hostilepdf.Zeros(1<<20)), Options{})
	r, err := d.StreamReader(sd, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", err)
	}
}

// Decrypting as a stream gives what decrypting the whole data gives, for
// every length around the block size.
func TestDecryptReadersMatchWholeData(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 16)
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20000; n += 1 + n/3 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		want, wantErr := aesCBC(key, data)
		r, err := newCBCReader(key, bytes.NewReader(data), int64(n))
		var got []byte
		if err == nil {
			got, err = io.ReadAll(r)
		}
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("AES, %d bytes: %d bytes, %v; whole: %d bytes, %v", n, len(got), err, len(want), wantErr)
		}
	}
	s := &security{key: key}
	data := bytes.Repeat([]byte("stream data "), 1000)
	r, _ := s.decryptReader(methodRC4, 12, 0, bytes.NewReader(data), int64(len(data)))
	got, _ := io.ReadAll(r)
	if want := rc4XOR(s.objectKey(methodRC4, 12, 0), data); !bytes.Equal(got, want) {
		t.Error("RC4 as a stream differs from RC4 of the whole")
	}
}

// waitsForBudget returns once a Decode, which sends its result on done,
// waits for b: a semaphore refuses TryAcquire once a waiter is queued,
// while b has a byte free. It fails the test if Decode ends first.
func waitsForBudget(t *testing.T, b *Budget, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for b.sem.TryAcquire(1) {
		b.sem.Release(1)
		select {
		case err := <-done:
			t.Fatalf("Decode did not wait for the budget: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("Decode has not waited for the budget in 30 s")
		}
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("Decode did not wait for the budget: %v", err)
	default:
	}
}

// Decode holds what is over smallDecode only when the budget has room,
// and in a buffer of the data's size.
func TestDecodeWaitsForTheBudget(t *testing.T) {
	t.Parallel()
	const size = 3 << 20
	b := NewBudget(4 << 20)
	d, sd := streamDoc(t, "/Filter /FlateDecode", hostilepdf.Zeros(size), Options{Budget: b})
	release, err := b.Acquire(context.Background(), 2<<20) // another file holds half
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		data, err := d.Decode(sd, 1<<30)
		if err == nil && (len(data) != size || cap(data) != size) {
			err = fmt.Errorf("%d bytes in a buffer of %d", len(data), cap(data))
		}
		done <- err
	}()
	waitsForBudget(t, b, done)
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// All but a byte held, so that the same probe sees Decode wait; then
	// its context ends.
	ctx, cancel := context.WithCancel(context.Background())
	d, sd = openStream(t, ctx, streamFile("/Filter /FlateDecode", hostilepdf.Zeros(size)), Options{Budget: b})
	release, _ = b.Acquire(context.Background(), 4<<20-1)
	defer release()
	go func() { _, err := d.Decode(sd, 1<<30); done <- err }()
	waitsForBudget(t, b, done)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Decode waiting for the budget when the context ended: %v", err)
	}
}
