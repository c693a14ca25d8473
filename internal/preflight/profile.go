package preflight

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

//go:embed profiles/*.json
var profileFS embed.FS

// Limit is a pair of thresholds for a measured value that must not be too
// small: below Error is an error, below Warning a warning. Zero switches
// that level off.
type Limit struct {
	Warning float64 `json:"warning"`
	Error   float64 `json:"error"`
}

// classify returns the severity for a measured value and the threshold it
// fell below, or "" when the value is fine.
func (l Limit) classify(v float64) (Severity, float64) {
	switch {
	case l.Error > 0 && v < l.Error:
		return SeverityError, l.Error
	case l.Warning > 0 && v < l.Warning:
		return SeverityWarning, l.Warning
	}
	return "", 0
}

// lowest is the threshold a value must reach to raise no finding at all.
func (l Limit) lowest() float64 { return max(l.Warning, l.Error) }

// Ceiling is a pair of thresholds for a measured value that must not be
// too large: above Error is an error, above Warning a warning. Zero
// switches that level off.
type Ceiling struct {
	Warning float64 `json:"warning"`
	Error   float64 `json:"error"`
}

// classify returns the severity for a measured value and the threshold it
// went above, or "" when the value is fine.
func (c Ceiling) classify(v float64) (Severity, float64) {
	switch {
	case c.Error > 0 && v > c.Error:
		return SeverityError, c.Error
	case c.Warning > 0 && v > c.Warning:
		return SeverityWarning, c.Warning
	}
	return "", 0
}

// on reports whether either level is set.
func (c Ceiling) on() bool { return c.Warning > 0 || c.Error > 0 }

// lowest is the value above which a finding is raised at all.
func (c Ceiling) lowest() float64 {
	switch {
	case c.Warning > 0 && c.Error > 0:
		return min(c.Warning, c.Error)
	case c.Warning > 0:
		return c.Warning
	}
	return c.Error
}

func (c Ceiling) validate(field string) error {
	if c.Warning < 0 || c.Error < 0 {
		return fmt.Errorf("%s: thresholds must not be negative (0 switches a level off)", field)
	}
	if c.Warning > 0 && c.Error > 0 && c.Warning > c.Error {
		return fmt.Errorf("%s: the warning threshold (%g) is above the error threshold (%g); a warning must come first", field, c.Warning, c.Error)
	}
	return nil
}

// Profile holds the thresholds of every check. Profiles are data
// (profiles/*.json, embedded); lengths are in millimetres or points as the
// field name says. A Severity of "off" switches a check off.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`

	// TrimToleranceMM is how far the trim size may differ from the order.
	TrimToleranceMM float64 `json:"trimToleranceMM"`
	// BleedMM is the bleed required when the order does not say.
	BleedMM        float64  `json:"bleedMM"`
	Bleed          Severity `json:"bleed"`
	TrimBoxMissing Severity `json:"trimBoxMissing"`
	MixedPageSizes Severity `json:"mixedPageSizes"`

	// ImageResolution applies to colour and grey images, in ppi as placed.
	ImageResolution Limit `json:"imageResolution"`
	// BitmapResolution applies to 1-bit images (line art, scans of text).
	BitmapResolution Limit `json:"bitmapResolution"`
	// TinyImagePixels exempts images this small or smaller on both sides
	// (and images one or two pixels thin): they are flat colour or
	// decoration, not pictures.
	TinyImagePixels int `json:"tinyImagePixels"`

	FontNotEmbedded Severity `json:"fontNotEmbedded"`
	RGB             Severity `json:"rgb"`
	Lab             Severity `json:"lab"`
	SpotColors      Severity `json:"spotColors"`
	// MaxSpotColors is how many spot colours are accepted; -1 is any.
	MaxSpotColors  int      `json:"maxSpotColors"`
	TooManySpots   Severity `json:"tooManySpotColors"`
	MinLineWidthPt Limit    `json:"minLineWidthPt"`
	MinTextSizePt  Limit    `json:"minTextSizePt"`
	WhiteOverprint Severity `json:"whiteOverprint"`
	Transparency   Severity `json:"transparency"`
	OutputIntent   Severity `json:"outputIntent"`
	// MaxInkCoveragePercent is the total ink (C+M+Y+K plus spot inks, in
	// percent, 400 for four solid process inks) the heaviest object on a
	// page may ask for; {0, 0} switches the check off.
	MaxInkCoverage Ceiling `json:"maxInkCoveragePercent"`

	// Fixes says which fixes Submit makes to a file so that it prints as
	// ordered (issue #15, docs/fixes.md), by rule: FixAuto makes it,
	// FixOffer makes it and lets the customer print the file without it,
	// FixOff does not. A rule left out is off, so a profile written before
	// a rule existed never changes files it did not change before.
	Fixes map[string]FixMode `json:"fixes,omitempty"`
}

// FixMode is what a profile says about one fix rule.
type FixMode string

// Fix modes.
const (
	FixAuto  FixMode = "auto"
	FixOffer FixMode = "offer"
	FixOff   FixMode = "off"
)

// FixRules are the fix rules a profile may name, in the order they are
// applied (internal/pdffix names them the same).
var FixRules = []string{"boxes", "orientation", "scale", "bleed"}

// FixRulesIn lists the rules the profile sets to one of modes, in
// FixRules order.
func (p Profile) FixRulesIn(modes ...FixMode) []string {
	var on []string
	for _, r := range FixRules {
		if slices.Contains(modes, p.Fixes[r]) {
			on = append(on, r)
		}
	}
	return on
}

// ProfileNames lists the built-in profiles, sorted.
func ProfileNames() []string {
	entries, err := fs.ReadDir(profileFS, "profiles")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// LoadProfile returns the built-in profile with the given name; "" is
// "default".
func LoadProfile(name string) (Profile, error) {
	if name == "" {
		name = "default"
	}
	if strings.ContainsAny(name, "/\\.") {
		return Profile{}, fmt.Errorf("unknown preflight profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	data, err := profileFS.ReadFile(path.Join("profiles", name+".json"))
	if err != nil {
		return Profile{}, fmt.Errorf("unknown preflight profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return ParseProfile(data)
}

// ParseProfile reads a profile from JSON, rejecting unknown fields and
// unknown severities so that a typo cannot silently switch a check off.
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("read preflight profile: %w", err)
	}
	if err := p.validate(); err != nil {
		return Profile{}, fmt.Errorf("preflight profile %q: %w", p.Name, err)
	}
	return p, nil
}

func (p Profile) validate() error {
	sevs := map[string]Severity{
		"bleed": p.Bleed, "trimBoxMissing": p.TrimBoxMissing, "mixedPageSizes": p.MixedPageSizes,
		"fontNotEmbedded": p.FontNotEmbedded, "rgb": p.RGB, "lab": p.Lab, "spotColors": p.SpotColors,
		"tooManySpotColors": p.TooManySpots, "whiteOverprint": p.WhiteOverprint,
		"transparency": p.Transparency, "outputIntent": p.OutputIntent,
	}
	for field, s := range sevs {
		switch s {
		case SeverityError, SeverityWarning, SeverityInfo, SeverityOff:
		default:
			return fmt.Errorf("%s: severity %q is not error, warning, info or off", field, s)
		}
	}
	if p.Name == "" {
		return fmt.Errorf("name is missing")
	}
	if p.TrimToleranceMM < 0 || p.BleedMM < 0 {
		return fmt.Errorf("trimToleranceMM and bleedMM must not be negative")
	}
	for rule, mode := range p.Fixes {
		if !slices.Contains(FixRules, rule) {
			return fmt.Errorf("fixes: unknown rule %q (known: %s)", rule, strings.Join(FixRules, ", "))
		}
		switch mode {
		case FixAuto, FixOffer, FixOff:
		default:
			return fmt.Errorf("fixes.%s: mode %q is not auto, offer or off", rule, mode)
		}
	}
	return p.MaxInkCoverage.validate("maxInkCoveragePercent")
}

// Expectations are what the order says about the artwork; they take
// precedence over the profile. Zero values are "not set".
type Expectations struct {
	TrimWidthPt, TrimHeightPt float64
	PageCount                 int
	// BleedPt is the bleed the order asks for; 0 uses the profile's
	// bleedMM, a negative value means the order needs no bleed.
	BleedPt float64
}

// MM converts millimetres to points.
func MM(mm float64) float64 { return mm * 72 / 25.4 }

// toMM converts points to millimetres.
func toMM(pt float64) float64 { return pt * 25.4 / 72 }
