package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// fixTimeout bounds the fixer on one file. The fixer reads only the page
// tree and writes only page dictionaries and small streams, so a file that
// takes longer is hostile; its original is then the file that prints.
const fixTimeout = time.Minute

// fixed is a file with fixes made: where it is stored, its SHA-256, what
// was fixed, and its own preflight report.
type fixed struct {
	key, sha256 string
	fixes       []job.Fix
	report      *preflight.Report
	// unchanged is the file without the offered fixes, which the customer
	// may print instead; nil when no offered fix applied, or when that
	// file would not pass preflight.
	unchanged *store.PrintFile
}

// fix makes the fixes the profile switches on (auto and offer) to the
// version's file, when the order says what size it is. When any applies
// it stores the fixed file under workflow.ProcessedKey, preflights it,
// and returns it: the report of the file that prints is the one that
// counts. nil when nothing was fixed.
//
// When an offered fix applied, it also makes the file without the offered
// fixes (the automatic ones alone, or the upload itself) and checks it:
// when it passes, the customer may choose it (store.PrintChoice).
//
// A fix that cannot be made safely never fails the job: a file the fixer
// will not touch (encrypted, damaged), one it cannot finish in
// fixTimeout, or a fixer that fails, leaves the original to print, with a
// log line saying why. Only a failure to store is retried.
func (p *Pipeline) fix(ctx context.Context, j store.Job, v store.ArtworkVersion, f blob.File,
	prof preflight.Profile, exp preflight.Expectations, rep *preflight.Report) (*fixed, error) {
	auto, offer := prof.FixRulesIn(preflight.FixAuto), prof.FixRulesIn(preflight.FixOffer)
	if len(auto)+len(offer) == 0 || exp.TrimWidthPt <= 0 || exp.TrimHeightPt <= 0 || rep.Unusable() {
		return nil, nil
	}
	order := pdffix.Order{TrimWidth: exp.TrimWidthPt, TrimHeight: exp.TrimHeightPt, Bleed: exp.BleedPt}
	switch {
	case exp.BleedPt < 0:
		order.Bleed = 0 // the order says: no bleed
	case exp.BleedPt == 0:
		order.Bleed = preflight.MM(prof.BleedMM)
	}
	log := p.log.With(slog.String("job_id", j.ID), slog.String("version_id", v.ID))
	edges := shortOfBleed(rep)
	all, rules, err := p.fixWith(ctx, log, f, order, pdffix.Options{Rules: append(auto, offer...), EdgePages: edges},
		prof, exp, workflow.ProcessedKey(j.ID, v.ID))
	if all == nil || err != nil {
		return nil, err
	}
	offered := false
	for i := range all.fixes {
		if slices.Contains(offer, rules[i]) {
			all.fixes[i].Offered, offered = true, true
		}
	}
	if !offered {
		return all, nil
	}
	// The file without the offered fixes: the automatic ones alone, or
	// the upload as it came.
	alt := &fixed{key: v.BlobKey, sha256: v.SHA256, fixes: []job.Fix{}, report: rep}
	if len(auto) > 0 {
		a, _, err := p.fixWith(ctx, log, f, order, pdffix.Options{Rules: auto, EdgePages: edges},
			prof, exp, workflow.UnchangedPrefix(j.ID, v.ID)+"file.pdf")
		if err != nil {
			return nil, err
		}
		if a != nil {
			alt = a
		}
	}
	if alt.report.Status != preflight.StatusPassed {
		// Without the offered fixes the file would not pass: they are
		// needed, and the customer is not offered to go without them.
		for i := range all.fixes {
			all.fixes[i].Offered = false
		}
		return all, nil
	}
	alt.report.File = v.Filename
	body, err := json.Marshal(alt.report)
	if err != nil {
		return nil, fmt.Errorf("encode report of the unchanged file of %s: %w", v.ID, err)
	}
	reportKey := workflow.UnchangedPrefix(j.ID, v.ID) + "preflight.json"
	if _, err := p.cfg.Flow.Blobs.Put(ctx, reportKey, bytes.NewReader(body)); err != nil {
		return nil, retry(&storageError{err})
	}
	all.unchanged = &store.PrintFile{PDF: alt.key, SHA256: alt.sha256, Report: reportKey,
		Fixes: alt.fixes, Errors: findings(alt.report.Errors)}
	return all, nil
}

// fixWith makes the fixes opts allows to f and, when any applied and the
// result passes as readable, stores it under key and returns it with the
// rule of each fix. nil when nothing was fixed or the file was left alone.
func (p *Pipeline) fixWith(ctx context.Context, log *slog.Logger, f blob.File, order pdffix.Order, opts pdffix.Options,
	prof preflight.Profile, exp preflight.Expectations, key string) (*fixed, []string, error) {
	tmp, err := os.CreateTemp(p.cfg.TempDir, "submit-fixed-*.pdf")
	if err != nil {
		return nil, nil, retry(err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	h := sha256.New()
	res, err := applyFixes(ctx, f, f.Size(), order, opts, io.MultiWriter(tmp, h))
	for _, s := range res.Skipped {
		log.Info("fix skipped", slog.String("code", s.Code), slog.String("why", s.Why))
	}
	switch {
	case ctx.Err() != nil:
		return nil, nil, retry(ctx.Err())
	case err != nil:
		log.Warn("file not fixed; the original prints", slog.Any("rules", opts.Rules), slog.String("error", err.Error()))
		return nil, nil, nil
	case !res.Written:
		return nil, nil, nil
	}
	size, err := tmp.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, nil, retry(err)
	}
	rep, err := p.cfg.Preflight.Check(ctx, tmp, size, prof, exp)
	if err != nil {
		return nil, nil, retry(fmt.Errorf("preflight a fixed file: %w", err))
	}
	if rep.Unusable() {
		// The fixer wrote a file preflight cannot read: worse than the
		// original, so it is not used.
		log.Error("a fixed file is unreadable; the original prints", slog.Any("findings", rep.Errors))
		return nil, nil, nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, nil, retry(err)
	}
	if _, err := p.cfg.Flow.Blobs.Put(ctx, key, tmp); err != nil {
		return nil, nil, retry(&storageError{fmt.Errorf("store a fixed file: %w", err)})
	}
	out := &fixed{key: key, sha256: hex.EncodeToString(h.Sum(nil)), report: rep, fixes: []job.Fix{}}
	rules := make([]string, len(res.Fixes))
	for i, fx := range res.Fixes {
		out.fixes = append(out.fixes, fx.Fix)
		rules[i] = fx.Rule
	}
	rep.Fixes = reportFixes(out.fixes)
	log.Info("file fixed", slog.Any("rules", opts.Rules), slog.Int("fixes", len(out.fixes)),
		slog.Int64("size", size), slog.Int64("original_size", f.Size()))
	return out, rules, nil
}

// reportFixes lists fixes as the preflight report carries them.
func reportFixes(fs []job.Fix) []preflight.Fixed {
	var out []preflight.Fixed
	for _, f := range fs {
		out = append(out, preflight.Fixed{Code: f.Code, Message: f.Message, Pages: f.Pages})
	}
	return out
}

// applyFixes runs the fixer under fixTimeout and turns a panic into an
// error: a fixer bug on a hostile file must leave the original to print,
// not stop the pipeline.
func applyFixes(ctx context.Context, r io.ReaderAt, size int64, o pdffix.Order, opts pdffix.Options, w io.Writer) (res pdffix.Result, err error) {
	ctx, cancel := context.WithTimeout(ctx, fixTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			res, err = pdffix.Result{}, fmt.Errorf("the fixer failed: %v", v)
		}
	}()
	res, err = pdffix.Apply(ctx, r, size, o, opts, w)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("the fixer took more than %s", fixTimeout)
	}
	return res, err
}

// shortOfBleed lists the pages the bleed fix may extend: those preflight
// found short of bleed whose design runs to the edge (PageInfo.ToEdge).
// White margins need no bleed, and a mirrored white strip would be a fix
// to show the customer for nothing.
func shortOfBleed(rep *preflight.Report) []int {
	var short []int
	for _, f := range rep.Errors {
		if f.Code != preflight.CodeBleed {
			continue
		}
		if ps, ok := f.Details["pages"].([]int); ok {
			short = append(short, ps...)
		} else if f.Page > 0 {
			short = append(short, f.Page)
		}
	}
	var pages []int
	for _, n := range short {
		if n >= 1 && n <= len(rep.Inventory.Pages) && rep.Inventory.Pages[n-1].ToEdge {
			pages = append(pages, n)
		}
	}
	return pages
}
