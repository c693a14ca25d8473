package manage

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// versionView is an artwork version with links to its files, for the
// job page.
type versionView struct {
	store.ArtworkVersion
	Links []fileLink // the original, the report, the proof
	// PageLinks are the proof's page images. Not named Pages: that would
	// hide ArtworkVersion.Pages, the page count the template prints.
	PageLinks []fileLink
}

// fileLink is a link to a stored file: the same /files/{token} link the
// API hands out, so an operator sees exactly what the ERP gets.
type fileLink struct{ Label, URL string }

// fileKinds are the kinds of a version's files linked, in the order a job
// makes them. processed_pdf is linked only when Submit fixed the file
// (versionViews): otherwise it is the original upload, byte for byte.
var fileKinds = []struct{ kind, label string }{
	{workflow.FilePreflightReport, "preflight report (JSON)"},
	{workflow.FileProof, "proof (PDF)"},
}

// versionViews adds file links to the versions, when Deps.FileURL is set.
func (m *Manage) versionViews(ctx context.Context, tenantID string, vs []store.ArtworkVersion) []versionView {
	out := make([]versionView, len(vs))
	for i, v := range vs {
		out[i].ArtworkVersion = v
		if m.d.FileURL == nil {
			continue
		}
		if v.BlobKey != "" {
			out[i].Links = append(out[i].Links, fileLink{"original upload", m.d.FileURL(v.BlobKey)})
		}
		if key := v.Files[workflow.FileProcessedPDF]; key != "" && key != v.BlobKey {
			out[i].Links = append(out[i].Links, fileLink{"fixed file (prints)", m.d.FileURL(key)})
		}
		for _, k := range fileKinds {
			if key := v.Files[k.kind]; key != "" {
				out[i].Links = append(out[i].Links, fileLink{k.label, m.d.FileURL(key)})
			}
		}
		out[i].PageLinks = m.proofPageLinks(ctx, tenantID, v)
	}
	return out
}

// proofPageLinks links the proof's page images. A manifest that cannot
// be read costs the page links, not the job page.
func (m *Manage) proofPageLinks(ctx context.Context, tenantID string, v store.ArtworkVersion) []fileLink {
	if v.Files[workflow.FileProof] == "" {
		return nil
	}
	pages, err := m.d.Workflow.ProofPages(ctx, tenantID, v.ID)
	if err != nil {
		m.log.WarnContext(ctx, "read proof pages", slog.String("version_id", v.ID), slog.Any("error", err))
		return nil
	}
	links := make([]fileLink, len(pages))
	for i, p := range pages {
		links[i] = fileLink{strconv.Itoa(p.Number), m.d.FileURL(p.Key)}
	}
	return links
}
