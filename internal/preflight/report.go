package preflight

// Severity says how much a finding matters. Only errors fail preflight.
type Severity string

// Severities of findings, and "off" to switch a rule off in a profile.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
	SeverityOff     Severity = "off"
)

// Status is the outcome of preflight, as the job status names it.
type Status string

// Outcomes of preflight.
const (
	StatusPassed Status = "preflight_passed"
	StatusFailed Status = "preflight_failed"
)

// Finding is one problem (or notice) found in a file. Code is stable API;
// Message is for the customer.
type Finding struct {
	Code     string   `json:"code"`
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Page is the 1-based page number, 0 (omitted) for the whole file.
	Page int `json:"page,omitempty"`
	// Details holds the measured value and the threshold, and for findings
	// on a page the marked area as "area": [x0, y0, x1, y1] in points.
	Details map[string]any `json:"details"`
}

// Box is a page box [x0, y0, x1, y1] in points.
type Box [4]float64

// Width is the box's width in points.
func (b Box) Width() float64 { return b[2] - b[0] }

// Height is the box's height in points.
func (b Box) Height() float64 { return b[3] - b[1] }

// PageInfo is one page in the inventory. A nil box was absent in the file.
type PageInfo struct {
	Number   int  `json:"number"`
	MediaBox *Box `json:"mediaBox"`
	TrimBox  *Box `json:"trimBox"`
	BleedBox *Box `json:"bleedBox"`
	// CropBox and Rotate are kept for rendering; they are not in the JSON.
	CropBox *Box `json:"-"`
	Rotate  int  `json:"-"`
	// ToEdge says that something inked (not white) reaches the trim's
	// edge, or past it: the design runs to the edge, and the page needs
	// bleed. The pipeline offers the bleed fix on such pages only; it is
	// not in the JSON.
	ToEdge bool `json:"-"`
}

// ImageInfo is one placement of an image: the same image drawn twice is
// listed twice, as each placement has its own resolution.
type ImageInfo struct {
	Page       int     `json:"page"`
	Width      int     `json:"width"`
	Height     int     `json:"height"`
	PPIX       float64 `json:"ppiX"`
	PPIY       float64 `json:"ppiY"`
	ColorSpace string  `json:"colorSpace"`
	// BitsPerComponent is 1 for line art and masks.
	BitsPerComponent int `json:"bitsPerComponent"`
	// Annotation is the annotation whose appearance draws the image; nil
	// (omitted) for the page's own content.
	Annotation *AnnotationRef `json:"annotation,omitempty"`
	// Area is where the image lands on the page, in points.
	Area Box `json:"-"`
	// offPage images lie outside the page and will not print.
	offPage bool
}

// FontInfo is one font and the pages that use it.
type FontInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Embedded bool   `json:"embedded"`
	Pages    []int  `json:"pages"`
	// Annotation is the first annotation whose appearance holds the font
	// when only annotation appearances do (whether they print or not, as
	// pdffonts lists them); nil (omitted) when a page's resources do.
	Annotation *AnnotationRef `json:"annotation,omitempty"`
}

// Inventory lists what the file contains.
type Inventory struct {
	Pages  []PageInfo  `json:"pages"`
	Images []ImageInfo `json:"images"`
	Fonts  []FontInfo  `json:"fonts"`
}

// Fixed is one fix made to the file a report is of, as artwork versions
// and callbacks carry it (job.Fix).
type Fixed struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Pages   []int  `json:"pages"`
}

// Report is the outcome of checking one file; its JSON is the contract's
// preflight report.
type Report struct {
	File      string    `json:"file"`
	Status    Status    `json:"status"`
	Pages     int       `json:"pages"`
	Errors    []Finding `json:"errors"`
	Inventory Inventory `json:"inventory"`
	// Profile is the name of the profile the file was checked against.
	Profile string `json:"profile"`
	// Fixes are what Submit changed in the file before it was checked
	// (issue #15): the report is of the fixed file. Absent when nothing
	// was fixed.
	Fixes []Fixed `json:"fixes,omitempty"`
	// MaxPageOperators is the most content operators one page needed,
	// its forms' drawings included. It is not part of the report: the
	// pipeline uses it to tell a page that will keep the renderer busy.
	MaxPageOperators int `json:"-"`
}

// Unusable reports whether the file could not be checked at all (damaged,
// locked, too large): the CLI's exit status 2.
func (r *Report) Unusable() bool {
	for _, f := range r.Errors {
		if unusableCodes[f.Code] {
			return true
		}
	}
	return false
}

// add appends a finding, skipping rules a profile switched off.
func (r *Report) add(f Finding) {
	if f.Severity == SeverityOff || f.Severity == "" {
		return
	}
	if f.Details == nil {
		f.Details = map[string]any{}
	}
	if f.Message == "" {
		f = say(f)
	}
	r.Errors = append(r.Errors, f)
}

// finish sets Status from the findings: errors fail, warnings do not.
func (r *Report) finish() {
	r.Status = StatusPassed
	for _, f := range r.Errors {
		if f.Severity == SeverityError {
			r.Status = StatusFailed
		}
	}
	if r.Errors == nil {
		r.Errors = []Finding{}
	}
	if r.Inventory.Pages == nil {
		r.Inventory.Pages = []PageInfo{}
	}
	if r.Inventory.Images == nil {
		r.Inventory.Images = []ImageInfo{}
	}
	if r.Inventory.Fonts == nil {
		r.Inventory.Fonts = []FontInfo{}
	}
}

// UnreadableReport is the report for a file that could not even be opened
// (missing, unreadable): callers that read files themselves use it so that
// such a file still gets a report.
func UnreadableReport(file, profile string, err error) *Report {
	r := &Report{File: file, Profile: profile}
	r.add(fileUnreadable(err))
	r.finish()
	return r
}
