package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdfwrite"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// proof renders every page of the current version's file that prints to
// JPEG, stores the pages, a manifest of them (workflow.ProofPages) and a
// proof PDF of the page images, then moves the job to proof_generated.
// When the customer may print the file without the offered fixes
// (store.PrintChoice.Unchanged), that file gets its proof too, so that
// what the customer approves is always what they saw.
func (p *Pipeline) proof(ctx context.Context, j store.Job, orig *original) error {
	v, err := p.cfg.Flow.Store.ArtworkVersion(ctx, j.TenantID, j.CurrentVersionID)
	if err != nil {
		return retry(err)
	}
	start := time.Now()
	// The proof shows the file that prints: the fixed one when Submit
	// fixed the upload.
	printed := cmp.Or(v.Files[workflow.FileProcessedPDF], v.BlobKey)
	n, err := p.render(ctx, j, v, orig, printed, v.Files[workflow.FilePreflightReport],
		workflow.ProofKeys(workflow.VersionPrefix(j.ID, v.ID)))
	if err != nil {
		return err
	}
	change := workflow.Change{
		TenantID: j.TenantID, JobID: j.ID, To: job.ProofGenerated, ArtworkVersionID: v.ID,
		Files: map[string]string{workflow.FileProof: workflow.ProofKey(j.ID, v.ID)},
	}
	if v.Print != nil && v.Print.Unchanged != nil {
		keys := workflow.ProofKeys(workflow.UnchangedPrefix(j.ID, v.ID))
		if _, err := p.render(ctx, j, v, orig, v.Print.Unchanged.PDF, v.Print.Unchanged.Report, keys); err != nil {
			return err
		}
		pc := *v.Print
		u := *pc.Unchanged
		u.Proof, pc.Unchanged = keys.PDF, &u
		change.Print = &pc
	}
	_, err = p.cfg.Flow.Transition(ctx, change)
	if err == nil {
		p.log.Info("proof generated", slog.String("job_id", j.ID), slog.String("version_id", v.ID),
			slog.Int("pages", n), slog.Duration("took", time.Since(start)))
	}
	return err
}

// render renders the file stored under fileKey into the proof files keys
// names, with the boxes its preflight report (reportKey) lists.
func (p *Pipeline) render(ctx context.Context, j store.Job, v store.ArtworkVersion, orig *original,
	fileKey, reportKey string, keys workflow.ProofFiles) (int, error) {
	inv, err := p.inventory(ctx, v.ID, reportKey)
	if err != nil {
		return 0, retry(err)
	}
	f, err := orig.open(ctx, fileKey)
	if err != nil {
		return 0, retry(fmt.Errorf("open %s: %w", v.ID, err))
	}
	tmp, err := os.CreateTemp(p.cfg.TempDir, "submit-proof-*.pdf")
	if err != nil {
		return 0, retry(err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	pw := pdfwrite.New(tmp)
	var pages []workflow.ProofPage
	render := p.cfg.Renderer.Render
	if orig.heavy == fileKey {
		render = p.cfg.Renderer.RenderHeavy
	}
	n, err := render(ctx, f, f.Size(), func(pg proof.Page) error {
		key := keys.Page(pg.Number)
		if _, err := p.cfg.Flow.Blobs.Put(ctx, key, bytes.NewReader(pg.JPEG)); err != nil {
			return &storageError{fmt.Errorf("store proof page %d: %w", pg.Number, err)}
		}
		pw.ImagePage(pw.JPEG(pg.JPEG, pg.Width, pg.Height), pg.WidthPt, pg.HeightPt)
		pages = append(pages, proofPage(pg, key, inv))
		return nil
	})
	switch {
	case proof.FileFault(err):
		return 0, &faultError{fmt.Errorf("render proof of %s: %w", v.ID, err)}
	case err != nil:
		return 0, retry(fmt.Errorf("render proof of %s: %w", v.ID, err))
	}
	if err := pw.Close(); err != nil {
		return 0, retry(err)
	}
	if err := p.putProof(ctx, keys, tmp, pages); err != nil {
		return 0, retry(&storageError{err})
	}
	return n, nil
}

// putProof stores the manifest and the proof PDF. The manifest goes first:
// the proof link is only handed out after the transition, and pages that
// exist without it are harmless.
func (p *Pipeline) putProof(ctx context.Context, keys workflow.ProofFiles, pdf *os.File, pages []workflow.ProofPage) error {
	manifest, err := json.Marshal(pages)
	if err != nil {
		return err
	}
	if _, err := p.cfg.Flow.Blobs.Put(ctx, keys.Manifest, bytes.NewReader(manifest)); err != nil {
		return err
	}
	if _, err := pdf.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = p.cfg.Flow.Blobs.Put(ctx, keys.PDF, pdf)
	return err
}

// inventory reads the page boxes from a preflight report of version
// versionID.
func (p *Pipeline) inventory(ctx context.Context, versionID, key string) ([]pageBoxes, error) {
	if key == "" {
		return nil, errors.New("no preflight report")
	}
	f, err := p.cfg.Flow.Blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rep struct {
		Inventory struct {
			Pages []pageBoxes `json:"pages"`
		} `json:"inventory"`
	}
	if err := json.NewDecoder(f).Decode(&rep); err != nil {
		return nil, fmt.Errorf("read preflight report of %s: %w", versionID, err)
	}
	return rep.Inventory.Pages, nil
}

// pageBoxes is a page of the report's inventory: the boxes a proof draws.
type pageBoxes struct {
	Number   int            `json:"number"`
	MediaBox *preflight.Box `json:"mediaBox"`
	TrimBox  *preflight.Box `json:"trimBox"`
	BleedBox *preflight.Box `json:"bleedBox"`
}

// proofPage describes a rendered page: its boxes from the preflight
// report, and its crop box and rotation from the renderer, which is what
// places the boxes on the image.
func proofPage(pg proof.Page, key string, inv []pageBoxes) workflow.ProofPage {
	crop := pg.CropBox
	out := workflow.ProofPage{
		Number: pg.Number, Key: key, PixelWidth: pg.Width, PixelHeight: pg.Height,
		WidthPt: pg.WidthPt, HeightPt: pg.HeightPt, CropBox: &crop, Rotate: pg.Rotate,
	}
	if pg.Number-1 < len(inv) {
		b := inv[pg.Number-1]
		out.MediaBox, out.TrimBox, out.BleedBox = (*[4]float64)(b.MediaBox), (*[4]float64)(b.TrimBox), (*[4]float64)(b.BleedBox)
	}
	return out
}
