// Package findingtext says a job's findings in a customer's language.
// Preflight's findings are preflight.Localize's; the others are the
// pipeline's, recorded around preflight: fetching artwork.url failed, or
// a preflight or proof was given up. Like preflight's, each of those
// messages is written from the finding's code and details alone, so that
// a stored finding can be said again in any language: the pipeline
// writes it in English with Message, and the page, the API and the
// callbacks say it in the job's language with Localize.
package findingtext

import (
	"encoding/json"
	"strconv"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/preflight"
	"golang.org/x/text/language"
)

// The pipeline's finding codes, stable API (docs/pipeline.md lists them
// with their details).
const (
	// FetchFailed: artwork.url did not give a file: an HTTP error status
	// (details.httpStatus) or no answer (details.reason).
	FetchFailed = "ARTWORK_FETCH_FAILED"
	// TooLarge: the file at artwork.url is above the upload limit
	// (details.limitBytes, and sizeBytes when the server said it).
	TooLarge = "ARTWORK_TOO_LARGE"
	// NotPDF: artwork.url gave something that is not a PDF.
	NotPDF = "ARTWORK_NOT_PDF"
	// EngineFailed: preflight could not finish checking the file.
	EngineFailed = "PREFLIGHT_ENGINE_FAILED"
	// ProofFailed: the proof could not be rendered from this file, the
	// file's fault (details.reason: timeout, unreadable or page).
	ProofFailed = job.CodeProofFailed
	// ProofServiceFailed: the proof could not be made because of a fault
	// of Submit's (details.cause: storage or renderer; details.attempts).
	ProofServiceFailed = job.CodeProofServiceFailed
)

// ours are the codes Message writes.
var ours = map[string]bool{FetchFailed: true, TooLarge: true, NotPDF: true, EngineFailed: true, ProofFailed: true, ProofServiceFailed: true}

// fetchReasons are the details.reason values of FetchFailed that have
// words of their own; another (or none) is "unreachable".
var fetchReasons = map[string]bool{
	"invalid_url": true, "address_not_allowed": true, "timeout": true, "host_not_found": true,
	"connection_refused": true, "unreachable": true, "interrupted": true,
}

// Message writes the finding of code with details in p's language, or ""
// for a code that is not the pipeline's. Details are read as JSON gives
// them back (numbers as float64) or as the pipeline builds them.
func Message(p *i18n.Printer, code string, d map[string]any) string {
	host := str(d, "host")
	switch code {
	case FetchFailed:
		if s := num(d, "httpStatus"); s > 0 {
			return p.T("job."+FetchFailed+".http", "host", host, "status", strconv.Itoa(int(s)))
		}
		reason := str(d, "reason")
		if !fetchReasons[reason] {
			reason = "unreachable"
		}
		return p.T("job."+FetchFailed+"."+reason, "host", host)
	case TooLarge:
		return p.T("job."+TooLarge, "host", host, "limit", p.Bytes(int64(num(d, "limitBytes"))))
	case NotPDF:
		return p.T("job."+NotPDF, "host", host)
	case EngineFailed:
		return p.T("job." + EngineFailed)
	case ProofFailed:
		reason := str(d, "reason")
		if reason != "timeout" && reason != "unreadable" {
			reason = "page"
		}
		return p.T("job." + ProofFailed + "." + reason)
	case ProofServiceFailed:
		cause := "renderer"
		if str(d, "cause") == "storage" {
			cause = "storage"
		}
		return p.T("job."+ProofServiceFailed+"."+cause, "n", int(num(d, "attempts")))
	}
	return ""
}

// Localize returns the findings with each message in the language t:
// preflight's by preflight.Localize, the pipeline's by Message; others
// keep theirs. English findings are returned as they are (the pipeline
// wrote them in English); otherwise the slice is a copy.
func Localize(fs []job.Finding, t language.Tag) []job.Finding {
	p := i18n.NewPrinter(t)
	if p.Tag() == i18n.English || len(fs) == 0 {
		return fs
	}
	out := preflight.Localize(fs, t)
	for i, f := range out {
		if !ours[f.Code] {
			continue
		}
		d := map[string]any{}
		if len(f.Details) > 0 && json.Unmarshal(f.Details, &d) != nil {
			continue
		}
		if m := Message(p, f.Code, d); m != "" {
			out[i].Message = m
		}
	}
	return out
}

func str(d map[string]any, k string) string {
	s, _ := d[k].(string)
	return s
}

func num(d map[string]any, k string) float64 {
	n, _ := job.DetailNumber(d[k])
	return n
}
