package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// pageView is one proof page: its image and, in the image's pixels,
// where the trim and the bleed lie.
type pageView struct {
	Number        int
	Src           string
	Width, Height int // pixels of the image, so the layout does not jump
	Trim          *svgRect
	Bleed         *svgRect
	Findings      int
}

// svgRect is a rectangle as SVG attributes.
type svgRect struct{ X, Y, W, H string }

// ViewBox is the SVG coordinate system of the overlay: the image's pixels.
func (p pageView) ViewBox() string { return fmt.Sprintf("0 0 %d %d", p.Width, p.Height) }

// Outer is the area outside the trim as an even-odd path: the part of the
// page that is printed and then cut off.
func (p pageView) Outer() string {
	if p.Trim == nil {
		return ""
	}
	t := p.Trim
	return fmt.Sprintf("M0 0H%dV%dH0Z M%s %sh%sv%sh-%sZ", p.Width, p.Height, t.X, t.Y, t.W, t.H, t.W)
}

// rectOn places a page box on the image, in pixels; nil when the page has
// no such box.
func rectOn(p workflow.ProofPage, b *[4]float64) *svgRect {
	f, ok := p.Frac(b)
	if !ok {
		return nil
	}
	w, h := float64(p.PixelWidth), float64(p.PixelHeight)
	return &svgRect{X: px(f.Left * w), Y: px(f.Top * h), W: px(f.Width * w), H: px(f.Height * h)}
}

func px(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// proofPages lists the pages of a version's proof for the viewer.
func (w *Web) proofPages(ctx context.Context, j job.Job, v *store.ArtworkVersion) ([]pageView, error) {
	if v == nil {
		return nil, nil
	}
	pages, err := w.d.Workflow.ProofPages(ctx, j.TenantID, v.ID)
	if err != nil {
		return nil, fmt.Errorf("list proof pages of %s: %w", v.ID, err)
	}
	perPage := map[int]int{}
	for _, f := range v.Errors {
		perPage[f.Page]++
	}
	out := make([]pageView, 0, len(pages))
	for _, p := range pages {
		out = append(out, pageView{
			Number: p.Number, Width: p.PixelWidth, Height: p.PixelHeight,
			Src:  fmt.Sprintf("/u/%s/proof/%s/%d.jpg", j.UploadToken, v.ID, p.Number),
			Trim: rectOn(p, p.TrimBox), Bleed: rectOn(p, p.BleedBox), Findings: perPage[p.Number],
		})
	}
	return out, nil
}

// proofImage is GET /u/{token}/proof/{version}/{page}.jpg: one rendered
// page. A version's pages never change, so browsers keep them.
func (w *Web) proofImage(rw http.ResponseWriter, r *http.Request) {
	r.Header.Set("Accept", "application/json")
	j, ok := w.openJob(rw, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("page"), ".jpg"))
	if err != nil || n < 1 {
		http.NotFound(rw, r)
		return
	}
	v, err := w.d.Store.ArtworkVersion(r.Context(), j.TenantID, r.PathValue("version"))
	if errors.Is(err, store.ErrNotFound) || err == nil && v.JobID != j.ID {
		http.NotFound(rw, r)
		return
	}
	if err != nil {
		w.unavailable(rw, r, err)
		return
	}
	if v.Files[workflow.FileProof] == "" {
		http.NotFound(rw, r)
		return
	}
	// The page's key follows from the version: no need to read the proof's
	// page list on every image (a proof page loads each image twice).
	rc, err := w.d.Workflow.OpenFile(r.Context(), workflow.ProofPageKey(v.JobID, v.ID, n))
	if errors.Is(err, blob.ErrNotFound) {
		http.NotFound(rw, r)
		return
	}
	if err != nil {
		w.unavailable(rw, r, err)
		return
	}
	defer rc.Close()
	rw.Header().Set("Content-Type", "image/jpeg")
	rw.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	io.Copy(rw, rc)
}
