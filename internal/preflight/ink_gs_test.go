package preflight

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/need"
)

// Ghostscript's tiffsep device renders a page into one 8-bit plane per
// ink (process and spot), 0 = solid ink, 255 = none. Without overprint,
// the largest per-pixel sum over the planes is the page's real total ink,
// which our per-object maximum must equal.
func TestInkCoverageMatchesGhostscript(t *testing.T) {
	t.Parallel()
	need.Tool(t, "gs")
	e, _ := setup(t)
	probe := inkProbe(t)
	for i, fx := range inkFixtures {
		if !fx.gs {
			continue
		}
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, fmt.Sprintf("ink-%02d.pdf", i))
			data := fx.pdf()
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			ours := measuredInk(t, checkBytes(t, e, data, probe, Expectations{}), 1)
			theirs, err := tiffsepMaxInk(dir, file)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("ours %.1f %%, Ghostscript %.1f %%", ours, theirs)
			if math.Abs(ours-theirs) > 2 {
				t.Errorf("ink %.1f %%, Ghostscript's separations %.1f %%", ours, theirs)
			}
		})
	}
}

// tiffsepMaxInk renders page 1 with tiffsep and returns the largest
// per-pixel sum of the separations, in percent.
func tiffsepMaxInk(dir, file string) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := filepath.Join(dir, "sep.tif")
	cmd := exec.CommandContext(ctx, "gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffsep",
		"-sCompression=none", "-r50", "-dFirstPage=1", "-dLastPage=1", "-sOutputFile="+strings.ReplaceAll(out, "%", "%%"), file) // gs formats % in output names
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("gs: %v: %s", err, b)
	}
	planes, _ := filepath.Glob(filepath.Join(dir, "sep(*).tif"))
	if len(planes) == 0 {
		ents, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return 0, fmt.Errorf("tiffsep wrote no separations in %s: %v", dir, names)
	}
	var sum []float64
	for _, p := range planes {
		pix, err := readGrayTIFF(p)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		if sum == nil {
			sum = make([]float64, len(pix))
		}
		if len(pix) != len(sum) {
			return 0, fmt.Errorf("%s: %d pixels, other planes %d", filepath.Base(p), len(pix), len(sum))
		}
		for i, v := range pix {
			sum[i] += float64(255-v) / 255
		}
	}
	best := 0.0
	for _, s := range sum {
		best = max(best, s)
	}
	return best * 100, nil
}

// readGrayTIFF reads an uncompressed little-endian 8-bit single-plane TIFF,
// as tiffsep writes with -sCompression=none: enough of TIFF for this test.
func readGrayTIFF(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 || string(b[:2]) != "II" {
		return nil, errors.New("not a little-endian TIFF")
	}
	le := binary.LittleEndian
	ifd := int(le.Uint32(b[4:]))
	if ifd+2 > len(b) {
		return nil, errors.New("IFD out of range")
	}
	n := int(le.Uint16(b[ifd:]))
	values := func(typ, count, val uint32) []int {
		size := map[uint32]uint32{3: 2, 4: 4}[typ]
		if size == 0 {
			return nil
		}
		at := func(off uint32) int {
			if size == 2 {
				return int(le.Uint16(b[off:]))
			}
			return int(le.Uint32(b[off:]))
		}
		if count*size <= 4 {
			out := []int{}
			for i := range count {
				out = append(out, int((val>>(8*size*i))&(1<<(8*size)-1)))
			}
			return out
		}
		out := make([]int, count)
		for i := range count {
			out[i] = at(val + i*size)
		}
		return out
	}
	tags := map[uint16][]int{}
	for i := range n {
		e := b[ifd+2+12*i:]
		tags[le.Uint16(e)] = values(uint32(le.Uint16(e[2:])), le.Uint32(e[4:]), le.Uint32(e[8:]))
	}
	if c := tags[259]; len(c) != 1 || c[0] != 1 {
		return nil, errors.New("compressed")
	}
	if bps := tags[258]; len(bps) != 1 || bps[0] != 8 {
		return nil, errors.New("not 8 bits per sample")
	}
	w, h := tags[256], tags[257]
	if len(w) != 1 || len(h) != 1 {
		return nil, errors.New("no size")
	}
	var pix []byte
	offs, counts := tags[273], tags[279]
	for i := range min(len(offs), len(counts)) {
		pix = append(pix, b[offs[i]:offs[i]+counts[i]]...)
	}
	if len(pix) != w[0]*h[0] {
		return nil, fmt.Errorf("%d bytes of pixels for %d × %d", len(pix), w[0], h[0])
	}
	return pix, nil
}
