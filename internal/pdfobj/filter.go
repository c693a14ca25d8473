package pdfobj

import (
	"bufio"
	"compress/lzw"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
	"sync"

	tifflzw "golang.org/x/image/tiff/lzw"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// The filters are readers over the filter before them, so that a stream
// is decoded as it is read and never held whole: a decompression bomb
// costs the time to reach the limit, not the memory. pdfcpu's filters
// decode into a buffer, which is why they are not used here.

// maxPredictorRow bounds the row a predictor holds (twice): a row of a
// 100 000-pixel-wide CMYK image of 16 bits is 800 KB, so a longer one
// is a hostile /Columns, not an image.
const maxPredictorRow = 16 << 20

// filterReader returns a reader of r decoded by the filter f; a
// predictor's reads stop when ctx ends.
func filterReader(ctx context.Context, f types.PDFFilter, r io.Reader) (io.Reader, error) {
	parms := filterParms(f.DecodeParms)
	switch f.Name {
	case filter.Flate:
		z, err := newInflater(r)
		if err != nil {
			return nil, err
		}
		return withPredictor(ctx, z, parms)
	case filter.LZW:
		var z io.Reader
		if ec, ok := parms["EarlyChange"]; ok && ec == 0 {
			z = lzw.NewReader(r, lzw.MSB, 8)
		} else {
			z = tifflzw.NewReader(r, tifflzw.MSB, 8) // TIFF's LZW is PDF's with EarlyChange 1, the default
		}
		return withPredictor(ctx, z, parms)
	case filter.ASCIIHex:
		return &hexReader{r: bufio.NewReader(r)}, nil
	case filter.ASCII85:
		return ascii85.NewDecoder(&untilEOD{r: bufio.NewReader(r)}), nil
	case filter.RunLength:
		return &runLengthReader{r: bufio.NewReader(r)}, nil
	}
	return nil, fmt.Errorf("filter %s is not supported", f.Name)
}

// inflater reads a zlib stream with a decompressor (and its 32 KiB
// window) from a pool: a form drawn on every page of a book opens its
// stream once per page. The decompressor goes back at the end of the
// stream.
type inflater struct{ z *pooledZlib }

type pooledZlib struct {
	br *bufio.Reader // a ByteReader, so that the decompressor adds no buffer of its own
	zr io.ReadCloser
}

var zlibPool sync.Pool

func newInflater(r io.Reader) (*inflater, error) {
	z, _ := zlibPool.Get().(*pooledZlib)
	if z == nil {
		z = &pooledZlib{br: bufio.NewReaderSize(r, 8<<10)}
		zr, err := zlib.NewReader(z.br)
		if err != nil {
			return nil, fmt.Errorf("flate: %w", err)
		}
		z.zr = zr
		return &inflater{z: z}, nil
	}
	z.br.Reset(r)
	if err := z.zr.(zlib.Resetter).Reset(z.br, nil); err != nil {
		z.br.Reset(nil)
		zlibPool.Put(z)
		return nil, fmt.Errorf("flate: %w", err)
	}
	return &inflater{z: z}, nil
}

func (f *inflater) Read(p []byte) (int, error) {
	if f.z == nil {
		return 0, io.EOF
	}
	n, err := f.z.zr.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// A stream cut short (or written without its final block) ends
		// where it stops, as pdfcpu and the viewers read it.
		err = io.EOF
	}
	if err == io.EOF {
		f.z.br.Reset(nil)
		zlibPool.Put(f.z)
		f.z = nil
	} else if err != nil {
		err = fmt.Errorf("flate: %w", err)
	}
	return n, err
}

// withPredictor adds the PNG or TIFF predictor /DecodeParms asks for.
func withPredictor(ctx context.Context, r io.Reader, parms map[string]int) (io.Reader, error) {
	pred, ok := parms["Predictor"]
	if !ok || pred == 1 {
		return r, nil
	}
	colors, bpc, columns := orDefault(parms, "Colors", 1), orDefault(parms, "BitsPerComponent", 8), orDefault(parms, "Columns", 1)
	switch {
	case pred != 2 && (pred < 10 || pred > 15):
		return nil, fmt.Errorf("predictor %d is not defined", pred)
	case colors < 1 || colors > 32 || columns < 1:
		return nil, fmt.Errorf("predictor with %d colours and %d columns", colors, columns)
	case bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16:
		return nil, fmt.Errorf("predictor with %d bits per component", bpc)
	case pred == 2 && bpc != 8:
		return nil, fmt.Errorf("TIFF predictor with %d bits per component is not supported", bpc)
	}
	// bits is at most 32 × 16 and columns at most 8 × maxPredictorRow
	// (a row of 1 bit a pixel), so their product cannot overflow: a
	// /Columns of 2^60 makes no negative row, nor 2^56 one of 0 bytes,
	// which would read nothing for ever.
	if columns > 8*maxPredictorRow {
		return nil, fmt.Errorf("predictor rows of %d columns: %w", columns, ErrTooLarge)
	}
	bits := int64(colors) * int64(bpc)
	row := (bits*int64(columns) + 7) / 8
	switch {
	case row > maxPredictorRow:
		return nil, fmt.Errorf("predictor rows of %d bytes: %w", row, ErrTooLarge)
	case row < 1:
		return nil, fmt.Errorf("predictor rows of %d bytes", row)
	}
	p := &predictor{ctx: ctx, r: r, png: pred >= 10, bpp: int(max(1, (bits+7)/8)), row: int(row)}
	n := p.row
	if p.png {
		n++ // the filter-type byte
	}
	p.cur, p.prev = make([]byte, n), make([]byte, n)
	return p, nil
}

func orDefault(m map[string]int, k string, def int) int {
	if v, ok := m[k]; ok {
		return v
	}
	return def
}

// predictor undoes PNG (10 to 15: a filter type per row) or TIFF (2)
// prediction, one row at a time.
type predictor struct {
	ctx       context.Context
	r         io.Reader
	png       bool
	bpp, row  int // bytes per pixel (at least 1), bytes per row
	cur, prev []byte
	out       []byte // what is left of the current row
}

func (p *predictor) Read(b []byte) (int, error) {
	for len(p.out) == 0 {
		if err := p.ctx.Err(); err != nil {
			return 0, err
		}
		n, err := io.ReadFull(p.r, p.cur)
		switch {
		case err == io.EOF:
			return 0, io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			return 0, fmt.Errorf("predictor: the last row has %d of its %d bytes", n, len(p.cur))
		case err != nil:
			return 0, err
		}
		if err := p.undo(); err != nil {
			return 0, err
		}
		p.cur, p.prev = p.prev, p.cur
		p.out = p.prev
		if p.png {
			p.out = p.out[1:]
		}
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

// undo reverses the prediction of the row in cur, given the row before
// it in prev (zeros for the first).
func (p *predictor) undo() error {
	if !p.png {
		for i := p.bpp; i < len(p.cur); i++ {
			p.cur[i] += p.cur[i-p.bpp]
		}
		return nil
	}
	cur, prev, bpp := p.cur[1:], p.prev[1:], p.bpp
	switch p.cur[0] {
	case 0: // None
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3: // Average
		for i := range cur {
			left := 0
			if i >= bpp {
				left = int(cur[i-bpp])
			}
			cur[i] += byte((left + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			cur[i] += paeth(a, int(prev[i]), c)
		}
	default:
		return fmt.Errorf("predictor: unknown PNG filter type %d", p.cur[0])
	}
	return nil
}

func paeth(a, b, c int) byte {
	p := a + b - c
	pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
	switch {
	case pa <= pb && pa <= pc:
		return byte(a)
	case pb <= pc:
		return byte(b)
	}
	return byte(c)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// hexReader decodes ASCIIHexDecode: pairs of hex digits, white space
// ignored, ending at '>' (an odd last digit is followed by a 0).
type hexReader struct {
	r   *bufio.Reader
	eod bool
}

func (h *hexReader) Read(p []byte) (int, error) {
	n := 0
	var hi byte
	half := false
	for n < len(p) && !h.eod {
		c, err := h.r.ReadByte()
		if err == io.EOF || c == '>' {
			h.eod = true
			break
		}
		if err != nil {
			return n, err
		}
		if isSpace(c) {
			continue
		}
		v, ok := hexValue(c)
		if !ok {
			return n, fmt.Errorf("ASCIIHexDecode: %q is not a hex digit", c)
		}
		if half {
			p[n] = hi<<4 | v
			n++
		} else {
			hi = v
		}
		half = !half
	}
	if half { // only at the end: a pair is written as soon as it is whole
		p[n] = hi << 4
		n++
	}
	if n == 0 && h.eod {
		return 0, io.EOF
	}
	return n, nil
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// untilEOD passes ASCII85 data up to its end marker "~>"; the standard
// library's decoder skips white space and reads 'z' itself.
type untilEOD struct {
	r   *bufio.Reader
	eod bool
}

func (u *untilEOD) Read(p []byte) (int, error) {
	if u.eod {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) {
		c, err := u.r.ReadByte()
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		if c == '~' {
			u.eod = true
			break
		}
		p[n] = c
		n++
	}
	return n, nil
}

// runLengthReader decodes RunLengthDecode: a length byte, then that many
// plus one literal bytes (below 128) or one byte repeated 257 minus it
// times (above 128); 128 ends the data.
type runLengthReader struct {
	r   *bufio.Reader
	lit int  // literal bytes left in the current run
	rep int  // repeats left of b
	b   byte // the repeated byte
	eod bool
}

func (rl *runLengthReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case rl.rep > 0:
			k := min(rl.rep, len(p)-n)
			for i := range k {
				p[n+i] = rl.b
			}
			n += k
			rl.rep -= k
			continue
		case rl.lit > 0:
			k, err := rl.r.Read(p[n : n+min(rl.lit, len(p)-n)])
			n += k
			rl.lit -= k
			if err != nil {
				return n, eofIsEnd(err, n)
			}
			continue
		case rl.eod:
			return n, eofIsEnd(io.EOF, n)
		}
		c, err := rl.r.ReadByte()
		if err != nil {
			rl.eod = true
			continue
		}
		switch {
		case c == 128:
			rl.eod = true
		case c < 128:
			rl.lit = int(c) + 1
		default:
			b, err := rl.r.ReadByte()
			if err != nil {
				rl.eod = true
				continue
			}
			rl.b, rl.rep = b, 257-int(c)
		}
	}
	return n, nil
}

// eofIsEnd turns io.EOF into nil when n bytes were read, so that the
// caller sees them before the end.
func eofIsEnd(err error, n int) error {
	if err == io.EOF && n > 0 {
		return nil
	}
	return err
}
