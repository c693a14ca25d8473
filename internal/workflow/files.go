package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/store"
)

// File kinds: the keys of a version's (and an event's) Files, as the
// contract names them in callbacks and job objects.
const (
	FileProcessedPDF = "processed_pdf"
	// FileOriginalPDF is the upload byte for byte; processed_pdf is the
	// same file when Submit fixed nothing.
	FileOriginalPDF     = "original_pdf"
	FileProof           = "proof"
	FilePreflightReport = "preflight_report"
)

// Where a version's files live in blob storage. Everything of one version
// shares a prefix, and everything of one job too, so an operator can find
// (or remove) it in one place, and DeleteTestJob removes it all at once.

// JobPrefix is the folder of one job: every file of every version.
func JobPrefix(jobID string) string { return "jobs/" + jobID + "/" }

// VersionPrefix is the folder of one artwork version.
func VersionPrefix(jobID, versionID string) string { return JobPrefix(jobID) + versionID + "/" }

// OriginalKey is the uploaded or fetched file, byte for byte.
func OriginalKey(jobID, versionID string) string {
	return VersionPrefix(jobID, versionID) + "original.pdf"
}

// ProcessedKey is the file that prints when Submit fixed the original:
// the original's bytes and, after them, the fixes (internal/pdffix).
func ProcessedKey(jobID, versionID string) string {
	return VersionPrefix(jobID, versionID) + "processed.pdf"
}

// ReportKey is the preflight report, as JSON.
func ReportKey(jobID, versionID string) string {
	return VersionPrefix(jobID, versionID) + "preflight.json"
}

// UnchangedPrefix is the folder of the file a customer may print instead
// of the fixed one (store.PrintChoice.Unchanged): the file itself, when
// the profile's automatic fixes changed it, its report and its proof.
func UnchangedPrefix(jobID, versionID string) string {
	return VersionPrefix(jobID, versionID) + "unchanged/"
}

// ProofKey is the proof as one PDF of page images, the file the "proof"
// link serves.
func ProofKey(jobID, versionID string) string { return ProofKeys(VersionPrefix(jobID, versionID)).PDF }

// ProofPageKey is the JPEG of one proof page, numbered from 1.
func ProofPageKey(jobID, versionID string, page int) string {
	return ProofKeys(VersionPrefix(jobID, versionID)).Page(page)
}

// ProofManifestKey lists the proof pages (a JSON array of ProofPage).
func ProofManifestKey(jobID, versionID string) string {
	return ProofKeys(VersionPrefix(jobID, versionID)).Manifest
}

// ProofFiles names the files of one proof in a folder: a version's
// (VersionPrefix) or its unchanged file's (UnchangedPrefix).
type ProofFiles struct {
	prefix   string
	PDF      string // the proof as one PDF of page images
	Manifest string // the pages, a JSON array of ProofPage
}

// ProofKeys names the files of the proof in the folder prefix.
func ProofKeys(prefix string) ProofFiles {
	return ProofFiles{prefix: prefix, PDF: prefix + "proof.pdf", Manifest: prefix + "proof/pages.json"}
}

// Page is the JPEG of one proof page, numbered from 1.
func (p ProofFiles) Page(n int) string { return fmt.Sprintf("%sproof/page-%04d.jpg", p.prefix, n) }

// Errors of the file readers.
var (
	// ErrNoProof: the version has no proof (yet).
	ErrNoProof = errors.New("there is no proof for this version yet")
	// ErrNoReport: the version has no preflight report (yet).
	ErrNoReport = errors.New("preflight has not finished for this version yet")
)

// ProofPage is one rendered page of a proof: what a page needs to show it
// with its trim and bleed.
type ProofPage struct {
	Number int `json:"number"`
	// Key names the page's JPEG; open it with OpenFile.
	Key string `json:"key"`
	// PixelWidth and PixelHeight are the JPEG's size.
	PixelWidth  int `json:"pixelWidth"`
	PixelHeight int `json:"pixelHeight"`
	// WidthPt and HeightPt are the size of what was rendered (the crop
	// box, turned by Rotate), in points.
	WidthPt  float64 `json:"widthPt"`
	HeightPt float64 `json:"heightPt"`
	// Boxes in PDF points, [x0, y0, x1, y1], as in the preflight report;
	// nil when the file has none. CropBox is what the image shows.
	CropBox  *[4]float64 `json:"cropBox"`
	MediaBox *[4]float64 `json:"mediaBox"`
	TrimBox  *[4]float64 `json:"trimBox"`
	BleedBox *[4]float64 `json:"bleedBox"`
	// Rotate is the page's /Rotate in degrees clockwise: 0, 90, 180, 270.
	Rotate int `json:"rotate"`
}

// Rect is a rectangle as fractions of a proof image, from its top-left
// corner: multiply by the displayed width and height to draw it.
type Rect struct {
	Left, Top, Width, Height float64
}

// Frac places a page box (TrimBox, BleedBox) on the proof image, taking
// the crop box and the page's rotation into account. ok is false when the
// box or the crop box is absent.
func (p ProofPage) Frac(b *[4]float64) (r Rect, ok bool) {
	c := p.CropBox
	if b == nil || c == nil {
		return Rect{}, false
	}
	cw, ch := c[2]-c[0], c[3]-c[1]
	if cw <= 0 || ch <= 0 {
		return Rect{}, false
	}
	// Unrotated, from the top-left corner, in points.
	u0, u1 := b[0]-c[0], b[2]-c[0]
	v0, v1 := c[3]-b[3], c[3]-b[1]
	switch ((p.Rotate % 360) + 360) % 360 {
	case 90:
		return Rect{(ch - v1) / ch, u0 / cw, (v1 - v0) / ch, (u1 - u0) / cw}, true
	case 180:
		return Rect{(cw - u1) / cw, (ch - v1) / ch, (u1 - u0) / cw, (v1 - v0) / ch}, true
	case 270:
		return Rect{v0 / ch, (cw - u1) / cw, (v1 - v0) / ch, (u1 - u0) / cw}, true
	}
	return Rect{u0 / cw, v0 / ch, (u1 - u0) / cw, (v1 - v0) / ch}, true
}

// ProofPages lists the pages of a version's proof. ErrNoProof before the
// proof is made; store.ErrNotFound for a version that is not the tenant's.
func (s *Service) ProofPages(ctx context.Context, tenantID, versionID string) ([]ProofPage, error) {
	v, err := s.Store.ArtworkVersion(ctx, tenantID, versionID)
	if err != nil {
		return nil, err
	}
	if v.Files[FileProof] == "" {
		return nil, ErrNoProof
	}
	manifest := ProofManifestKey(v.JobID, v.ID)
	if PrintsUnchanged(v) {
		manifest = ProofKeys(UnchangedPrefix(v.JobID, v.ID)).Manifest
	}
	return s.proofPages(ctx, v, manifest)
}

// PrintsUnchanged says whether the customer approved their file without
// the offered fixes: its proof is the version's proof now.
func PrintsUnchanged(v store.ArtworkVersion) bool {
	u := UnchangedFile(v)
	return u != nil && v.Files[FileProof] == u.Proof
}

// UnchangedFile is the version's file without the offered fixes, nil
// when it has none with a proof.
func UnchangedFile(v store.ArtworkVersion) *store.PrintFile {
	if v.Print == nil || v.Print.Unchanged == nil || v.Print.Unchanged.Proof == "" {
		return nil
	}
	return v.Print.Unchanged
}

// UnchangedProofPages lists the pages of the proof of the file the
// customer may print without the offered fixes. ErrNoProof when the
// version has none.
func (s *Service) UnchangedProofPages(ctx context.Context, tenantID, versionID string) ([]ProofPage, error) {
	v, err := s.Store.ArtworkVersion(ctx, tenantID, versionID)
	if err != nil {
		return nil, err
	}
	if UnchangedFile(v) == nil {
		return nil, ErrNoProof
	}
	return s.proofPages(ctx, v, ProofKeys(UnchangedPrefix(v.JobID, v.ID)).Manifest)
}

func (s *Service) proofPages(ctx context.Context, v store.ArtworkVersion, manifest string) ([]ProofPage, error) {
	f, err := s.OpenFile(ctx, manifest)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pages []ProofPage
	if err := json.NewDecoder(f).Decode(&pages); err != nil {
		return nil, fmt.Errorf("read proof pages of %s: %w", v.ID, err)
	}
	return pages, nil
}

// OpenFile opens a stored file by key: a proof page, the report, the
// original. The caller has checked that the key belongs to a version the
// viewer may see (keys come from ArtworkVersion.Files or ProofPages).
func (s *Service) OpenFile(ctx context.Context, key string) (blob.File, error) {
	if s.Blobs == nil {
		return nil, ErrNoStorage
	}
	return s.Blobs.Open(ctx, key)
}

// OpenReport opens a version's preflight report (JSON, the contract's
// report object). ErrNoReport before preflight has finished.
func (s *Service) OpenReport(ctx context.Context, tenantID, versionID string) (io.ReadCloser, error) {
	v, err := s.Store.ArtworkVersion(ctx, tenantID, versionID)
	if err != nil {
		return nil, err
	}
	key := v.Files[FilePreflightReport]
	if key == "" {
		return nil, ErrNoReport
	}
	return s.OpenFile(ctx, key)
}
