package web

import (
	"cmp"
	"html/template"
	"slices"
	"time"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// view is everything a page template shows. Template names the content
// template inside the shared layout.
type view struct {
	Template string
	Title    string
	// Heading and Text are the whole content of a message page (unknown,
	// expired or cancelled link, refused request).
	Heading, Text string
	// Back links a message page back to the order's page.
	Back string
	// FormError and Draft re-show a rejection whose reason was refused.
	FormError, Draft string

	Nonce, CSRF string
	Palette     palette
	Logo        string

	// Lang is the page's language (BCP 47) and Languages the switcher's
	// choices; p renders the page's words in it (lang.go).
	Lang      string
	Languages template.HTML
	Words     string // the address of the scripts' words (lang.go)
	p         *i18n.Printer

	// Test marks a test job's page: a banner says nothing will be printed.
	Test bool

	Token     string
	OrderRef  string
	Metadata  []job.Metadata
	Status    job.Status
	Sequence  int64
	ExpiresAt time.Time
	Rules     rules
	Steps     []step

	Version     *store.ArtworkVersion
	VersionNo   int
	Findings    []findingGroup
	Errors      int
	Warnings    int
	FetchFailed bool
	Reason      string
	Pages       []pageView
	// Choice is set when the customer may print their file without the
	// fixes Submit offered.
	Choice *choice
}

// Base is the page's own address, for links and form actions.
func (v *view) Base() string { return "/u/" + v.Token }

// HasJob reports whether the page is about a job (and so shows its order).
func (v *view) HasJob() bool { return v.Token != "" }

// rules are what the file must be, stated before the upload.
type rules struct {
	MaxBytes int64
	TrimSize string // "210 × 297 mm", empty when the order sets none
	Pages    int
	Bleed    string // "3 mm"
}

func newRules(p *i18n.Printer, max int64, e *job.Expectations) rules {
	r := rules{MaxBytes: max}
	if e == nil {
		return r
	}
	if e.TrimSize != nil {
		r.TrimSize = p.T("size.wh", "w", i18n.Num(e.TrimSize.Width, 3), "h", i18n.Num(e.TrimSize.Height, 3)) + " " + e.TrimSize.Unit
	}
	if e.Bleed != nil && e.Bleed.Size > 0 {
		r.Bleed = p.Sprint(i18n.Num(e.Bleed.Size, 3)) + " " + e.Bleed.Unit
	}
	r.Pages = e.PageCount
	return r
}

// step is one stage of the progress shown at the top of the page.
type step struct {
	Label string
	State string // done, current, problem or todo
}

// stepsFor shows where a job stands in upload → check → proof → approve.
func stepsFor(p *i18n.Printer, s job.Status) []step {
	labels := []string{p.T("web.step.upload"), p.T("web.step.check"), p.T("web.step.proof"), p.T("web.step.approve")}
	cur, problem := 0, -1
	switch s {
	case job.Uploaded, job.Preflighting:
		cur = 1
	case job.PreflightPassed:
		cur = 2
	case job.PreflightFailed:
		cur, problem = 0, 1
	case job.ProofGenerated:
		cur = 3
	case job.Rejected:
		cur, problem = 0, 3
	case job.Approved:
		cur = 4
	}
	steps := make([]step, len(labels))
	for i, l := range labels {
		st := "todo"
		switch {
		case i == problem:
			st = "problem"
		case i < cur || (problem >= 0 && i < problem):
			st = "done"
		case i == cur:
			st = "current"
		}
		steps[i] = step{Label: l, State: st}
	}
	return steps
}

// findingGroup is the findings about one page, or about the whole file.
type findingGroup struct {
	Page  int    // 0 for the whole file
	Title string // the group's name for the customer
	Items []finding
}

type finding struct {
	Severity string
	Topic    string
	Message  string
	Code     string
}

// groupFindings sorts findings into the file's group first, then page by
// page, errors before warnings within each.
func groupFindings(p *i18n.Printer, fs []job.Finding) (groups []findingGroup, errs, warns int) {
	byPage := map[int][]finding{}
	for _, f := range fs {
		switch f.Severity {
		case "error":
			errs++
		case "warning":
			warns++
		}
		byPage[f.Page] = append(byPage[f.Page], finding{Severity: f.Severity, Topic: topic(p, f.Check), Message: f.Message, Code: f.Code})
	}
	for page, items := range byPage {
		slices.SortStableFunc(items, func(a, b finding) int { return cmp.Compare(rank(a.Severity), rank(b.Severity)) })
		title := p.T("web.group.file")
		if page > 0 {
			title = p.T("web.group.page", "page", page)
		}
		groups = append(groups, findingGroup{Page: page, Title: title, Items: items})
	}
	slices.SortFunc(groups, func(a, b findingGroup) int { return cmp.Compare(a.Page, b.Page) })
	return groups, errs, warns
}

func rank(severity string) int {
	switch severity {
	case "error":
		return 0
	case "warning":
		return 1
	}
	return 2
}

// topic names a check the way a customer would.
func topic(p *i18n.Printer, check string) string {
	if topics[check] {
		return p.T("web.topic." + check)
	}
	return p.T("web.topic.other")
}

// topics are the checks with a name of their own in the catalogue.
var topics = map[string]bool{
	"file": true, "encryption": true, "limits": true, "page_count": true, "trim_size": true,
	"trim_box": true, "page_size": true, "bleed": true, "image_resolution": true, "fonts": true,
	"color": true, "spot_colors": true, "line_width": true, "text_size": true, "overprint": true,
	"transparency": true, "output_intent": true, "ink_coverage": true, "approval": true, "artwork_fetch": true,
}
