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

// printUnchanged is the value of the print parameter (in the page's
// query, the approve form and a proof image's query) that means the file
// without the fixes Submit offered.
const printUnchanged = "unchanged"

// choice is the customer's choice between the fixed file and their own
// (store.PrintChoice), with the addresses of the proof of each.
type choice struct {
	// Unchanged says the page shows the file without the offered fixes.
	Unchanged              bool
	FixedURL, UnchangedURL string
}

// newChoice is the choice a version offers, nil when it offers none.
func newChoice(j job.Job, v *store.ArtworkVersion, unchanged bool) *choice {
	if v == nil || workflow.UnchangedFile(*v) == nil {
		return nil
	}
	base := "/u/" + j.UploadToken
	return &choice{Unchanged: unchanged, FixedURL: base, UnchangedURL: base + "?print=" + printUnchanged}
}

// proofPages lists the pages of a version's proof for the viewer: of the
// file without the offered fixes when unchanged is set.
func (w *Web) proofPages(ctx context.Context, j job.Job, v *store.ArtworkVersion, unchanged bool) ([]pageView, error) {
	if v == nil {
		return nil, nil
	}
	list, query := w.d.Workflow.ProofPages, ""
	if unchanged {
		list, query = w.d.Workflow.UnchangedProofPages, "?print="+printUnchanged
	}
	pages, err := list(ctx, j.TenantID, v.ID)
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
			Src:  fmt.Sprintf("/u/%s/proof/%s/%d.jpg%s", j.UploadToken, v.ID, p.Number, query),
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
	keys := workflow.ProofKeys(workflow.VersionPrefix(v.JobID, v.ID))
	if r.URL.Query().Get("print") == printUnchanged {
		if workflow.UnchangedFile(v) == nil {
			http.NotFound(rw, r)
			return
		}
		keys = workflow.ProofKeys(workflow.UnchangedPrefix(v.JobID, v.ID))
	}
	rc, err := w.d.Workflow.OpenFile(r.Context(), keys.Page(n))
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
