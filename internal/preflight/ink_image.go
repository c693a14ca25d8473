package preflight

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"time"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/atomyx/submit/internal/preflight/content"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// imageInk is the heaviest pixel of an image, in percent, or why it was
// not measured.
type imageInk struct {
	percent  float64
	measured bool
	reason   string
}

func notMeasured(img *content.ImageInfo, format string, a ...any) imageInk {
	name := "inline image"
	if img.ID != "" {
		name = "image " + img.ID
	}
	return imageInk{reason: fmt.Sprintf("%s (%d × %d px): %s", name, img.Width, img.Height, fmt.Sprintf(format, a...))}
}

// imageInk measures an image once per document: a logo on every page of a
// book is decoded once. Only one image's pixels are held at a time.
func (c *docCache) imageInk(img *content.ImageInfo) imageInk {
	if img.ID == "" {
		return c.inlineInk(img)
	}
	if m, ok := c.inks[img.ID]; ok {
		return m
	}
	m := c.measureImage(img)
	c.inks[img.ID] = m
	return m
}

// maxColorants is PDF's limit on DeviceN colorants; it also bounds the
// sample tables (components × 65536 entries for 16-bit images).
const maxColorants = 32

// inkPlan is what measuring an image's pixels needs.
type inkPlan struct {
	comps, bpc int
	lut        [][]float32
}

// plan checks an image's size against the limit and builds its sample
// tables. done is set when the answer is known without reading pixels:
// not measurable, or unable to reach the limit whatever its pixels.
func (c *docCache) plan(img *content.ImageInfo, decode []float64) (pl inkPlan, m imageInk, done bool) {
	pl.comps = img.ColorSpace.N
	if img.ColorSpace.Family == content.Indexed {
		pl.comps = 1
	}
	pl.bpc = img.BPC
	if img.Filter == "DCTDecode" {
		pl.bpc = 8
	}
	switch pl.bpc {
	case 1, 2, 4, 8, 16:
	default:
		return pl, notMeasured(img, "%d bits per component", pl.bpc), true
	}
	if img.Width <= 0 || img.Height <= 0 || pl.comps <= 0 || pl.comps > maxColorants {
		return pl, notMeasured(img, "no size, or %d colour components", pl.comps), true
	}
	if int64(img.Width)*int64(img.Height)*int64(pl.comps) > c.inkLimit {
		return pl, notMeasured(img, "larger than the %s of pixels we decode", bytesText(c.inkLimit)), true
	}
	lut, bound := sampleInk(img.ColorSpace, pl.comps, pl.bpc, decode)
	if lut == nil {
		return pl, notMeasured(img, "colour space not understood"), true
	}
	if bound <= c.skipBelow {
		// No pixel can go above the limit: the colour space (or the
		// palette) cannot ask for that much ink, so pixels need not be read.
		return pl, imageInk{percent: bound, measured: true}, true
	}
	pl.lut = lut
	return pl, imageInk{}, false
}

// inlineInk measures an inline image from the data the interpreter kept;
// filtered inline images are not decoded.
func (c *docCache) inlineInk(img *content.ImageInfo) imageInk {
	pl, m, done := c.plan(img, img.Decode)
	switch {
	case done:
		return m
	case img.Data == nil && img.Filter != "":
		return notMeasured(img, "filtered inline images are not measured")
	case img.Data == nil:
		return notMeasured(img, "inline images of more than 4 MiB, or without their data, are not measured")
	}
	return imageInk{percent: maxSampleInk(img.Data, img.Width, img.Height, pl.comps, pl.bpc, pl.lut, false) * 100, measured: true}
}

func (c *docCache) measureImage(img *content.ImageInfo) imageInk {
	sd := c.imageStreams[img.ID]
	if sd == nil {
		return notMeasured(img, "image data not found")
	}
	var decode []float64
	if a, err := c.x.DereferenceArray(sd.Dict["Decode"]); err == nil {
		for _, o := range a {
			if f, err := c.x.DereferenceNumber(o); err == nil {
				decode = append(decode, f)
			}
		}
	}
	pl, m, done := c.plan(img, decode)
	if done {
		return m
	}
	if !c.inkDeadline.IsZero() && time.Now().After(c.inkDeadline) {
		// Decoding pixels is the slow part of preflight (0.3 s for a
		// page-sized CMYK JPEG); a file of hundreds must not run the
		// whole check out of time and fail as too complex.
		return notMeasured(img, "the check had used its time for decoding images before it got to this one")
	}
	switch img.Filter {
	case "DCTDecode":
		return c.jpegInk(img, sd, pl.comps, pl.lut)
	case "JPXDecode", "JBIG2Decode", "CCITTFaxDecode":
		return notMeasured(img, "%s images are not measured", img.Filter)
	}
	return c.rowsInk(img, sd, pl)
}

// rowsInk measures an image's samples a row at a time, as they are
// decoded: only a row is held, whatever the image's size. Data beyond the
// rows the image needs is read (and counted) to its end, up to an eighth
// more: more than that is not this image's data.
func (c *docCache) rowsInk(img *content.ImageInfo, sd *types.StreamDict, pl inkPlan) imageInk {
	rowBytes := (img.Width*pl.comps*pl.bpc + 7) / 8
	need := int64(rowBytes) * int64(img.Height)
	r, err := c.x.StreamReader(sd, need+need/8+4096)
	if err != nil {
		return notMeasured(img, "its data cannot be decoded (%v)", err)
	}
	row := make([]byte, rowBytes)
	best := 0.0
	for range img.Height {
		if _, err = io.ReadFull(r, row); err != nil {
			break // missing rows at the end are not painted, as viewers do
		}
		best = max(best, maxSampleInk(row, img.Width, 1, pl.comps, pl.bpc, pl.lut, false))
	}
	if err == nil {
		_, err = io.Copy(io.Discard, r)
	}
	switch {
	case errors.Is(err, pdfobj.ErrTooLarge):
		return notMeasured(img, "its data decodes to more than its size says")
	case err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF):
		return notMeasured(img, "its data cannot be decoded (%v)", err)
	}
	return imageInk{percent: best * 100, measured: true}
}

// sampleInk returns, for each component, the ink (0–1) of every sample
// value with the image's /Decode array applied (the default when decode
// does not fit), and the largest ink any pixel could have, in percent. For
// Indexed images the one table gives the ink of the palette entry a sample
// selects, so entries no pixel uses never count.
func sampleInk(cs content.ColorSpace, comps, bpc int, decode []float64) ([][]float32, float64) {
	levels := 1 << bpc
	maxS := float64(levels - 1)
	dec := decode
	if len(dec) != 2*comps {
		dec = make([]float64, 2*comps)
		for i := range comps {
			dec[2*i], dec[2*i+1] = 0, 1
			if cs.Family == content.Indexed {
				dec[2*i+1] = maxS
			}
		}
	}
	var weights, pal []float64
	if cs.Family == content.Indexed {
		if pal = paletteInk(cs); len(pal) == 0 {
			return nil, 0
		}
	} else {
		var ok bool
		if weights, ok = inkWeights(cs); !ok || len(weights) != comps {
			return nil, 0
		}
	}
	lut := make([][]float32, comps)
	bound := 0.0
	for k := range comps {
		lut[k] = make([]float32, levels)
		top := float32(0)
		for s := range levels {
			v := dec[2*k] + float64(s)*(dec[2*k+1]-dec[2*k])/maxS
			var ink float64
			if pal != nil {
				ink = pal[max(0, min(int(math.Round(v)), len(pal)-1))] / 100
			} else {
				ink = weights[k] * math.Min(1, math.Max(0, v))
			}
			lut[k][s] = float32(ink)
			top = max(top, float32(ink))
		}
		bound += float64(top)
	}
	return lut, bound * 100
}

// jpegInk decodes a DCT image with image/jpeg. A JPEG made of the DCT
// filter alone in an unencrypted file is streamed from the file;
// otherwise the filters before DCT are run by pdfobj.
func (c *docCache) jpegInk(img *content.ImageInfo, sd *types.StreamDict, comps int, lut [][]float32) imageInk {
	var r io.Reader
	pipe := sd.FilterPipeline
	if len(pipe) == 1 && c.raw != nil && !c.encrypted && sd.StreamLength != nil {
		r = bufio.NewReaderSize(io.NewSectionReader(c.raw, sd.StreamOffset, *sd.StreamLength), 64<<10)
	} else {
		pre := *sd
		pre.FilterPipeline = pipe[:len(pipe)-1]
		pr, err := c.x.StreamReader(&pre, c.inkLimit)
		if err != nil {
			return notMeasured(img, "its JPEG data cannot be read (%v)", err)
		}
		r = bufio.NewReaderSize(pr, 64<<10)
	}
	// The header is read first, and the size it claims checked, before
	// the decoder allocates pixels for it; the bytes it read are replayed.
	var head bytes.Buffer
	cfg, err := jpeg.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		return notMeasured(img, "its JPEG data cannot be decoded (%v)", err)
	}
	samples := int64(cfg.Width) * int64(cfg.Height) * int64(comps)
	if samples > c.inkLimit {
		return notMeasured(img, "larger than the %s of pixels we decode", bytesText(c.inkLimit))
	}
	// The decoder holds the samples twice (its planes, then the image).
	release, err := c.budget.Acquire(c.ctx, 2*samples)
	if err != nil {
		return notMeasured(img, "the check ended while it waited for memory to decode it")
	}
	defer release()
	pic, err := jpeg.Decode(io.MultiReader(&head, r))
	if err != nil {
		return notMeasured(img, "its JPEG data cannot be decoded (%v)", err)
	}
	b := pic.Bounds()
	switch v := pic.(type) {
	case *image.CMYK:
		if comps != 4 {
			break
		}
		// image/jpeg undoes the Adobe inversion of 4-component JPEGs; the
		// PDF's samples are the values as coded, to which /Decode applies
		// (producers write /Decode [1 0 1 0 1 0 1 0] for Adobe JPEGs).
		return imageInk{percent: maxSampleInkStride(v.Pix, v.Stride, b.Dx(), b.Dy(), 4, lut, true) * 100, measured: true}
	case *image.Gray:
		if comps != 1 {
			break
		}
		return imageInk{percent: maxSampleInkStride(v.Pix, v.Stride, b.Dx(), b.Dy(), 1, lut, false) * 100, measured: true}
	}
	return notMeasured(img, "its JPEG has a different number of colour components than its colour space")
}

// maxSampleInk returns the largest per-pixel ink sum (0 = none, 1 = 100 %)
// over packed rows of samples, as PDF image data is laid out: each row
// starts on a byte. Missing rows at the end (truncated data) are not
// painted, as viewers do.
func maxSampleInk(data []byte, w, h, comps, bpc int, lut [][]float32, invert bool) float64 {
	rowBytes := (w*comps*bpc + 7) / 8
	if bpc == 8 {
		return maxSampleInkStride(data, rowBytes, w, h, comps, lut, invert)
	}
	best := float32(0)
	mask := uint32(1)<<bpc - 1
	for y := 0; y < h && (y+1)*rowBytes <= len(data); y++ {
		row := data[y*rowBytes : (y+1)*rowBytes]
		bit := 0
		for x := 0; x < w; x++ {
			sum := float32(0)
			for k := range comps {
				var s uint32
				if bpc == 16 {
					s = uint32(row[bit/8])<<8 | uint32(row[bit/8+1])
				} else {
					s = uint32(row[bit/8]) >> (8 - bpc - bit%8) & mask
				}
				bit += bpc
				sum += lut[k][s]
			}
			best = max(best, sum)
		}
	}
	return float64(best)
}

// maxSampleInkStride is maxSampleInk for 8-bit samples, rows stride bytes
// apart; invert reads 255-v (see jpegInk).
func maxSampleInkStride(pix []byte, stride, w, h, comps int, lut [][]float32, invert bool) float64 {
	best := float32(0)
	n := w * comps
	for y := 0; y < h && y*stride+n <= len(pix); y++ {
		row := pix[y*stride : y*stride+n]
		for i := 0; i < n; i += comps {
			sum := float32(0)
			for k := range comps {
				v := row[i+k]
				if invert {
					v = 255 - v
				}
				sum += lut[k][v]
			}
			best = max(best, sum)
		}
	}
	return float64(best)
}
