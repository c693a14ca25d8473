package api

import (
	"fmt"
	"slices"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
)

// createJobRequest is the body of POST /api/jobs, after validation.
type createJobRequest struct {
	ExternalID  string
	Metadata    []job.Metadata
	Brand       *job.Brand
	ArtworkURL  string
	CallbackURL string
	Preflight   *job.Expectations
	Events      []job.EventType
	// Locale is the job's language, a BCP 47 tag in canonical form.
	Locale string
}

// jobValidator holds what validation needs beyond the body itself.
type jobValidator struct {
	allowInsecure bool
	// profiles are the preflight profile names a job may ask for; nil
	// accepts any name.
	profiles []string
}

// decodeCreateJob validates a parsed body and reports every problem at once.
func (jv jobValidator) decodeCreateJob(v any) (createJobRequest, []FieldError) {
	var c checker
	var req createJobRequest
	root, ok := c.object("", v, "externalId", "metadata", "brand", "artwork", "callbackURL", "preflight", "events", "locale")
	if !ok {
		return req, c.errs
	}
	if ext, present := root["externalId"]; !present || ext == nil {
		c.add("/externalId", "is required: the order reference from your ERP, 1 to 255 characters")
	} else if s, ok := c.str("/externalId", ext, 1, 255); ok {
		req.ExternalID = s
	}
	if m := root["metadata"]; m != nil {
		req.Metadata = jv.metadata(&c, m)
	}
	if b := root["brand"]; b != nil {
		req.Brand = jv.brand(&c, b)
	}
	if a := root["artwork"]; a != nil {
		if m, ok := c.object("/artwork", a, "url"); ok {
			if m["url"] == nil {
				c.add("/artwork/url", "is required when artwork is given: a link Submit can download the PDF from")
			} else {
				req.ArtworkURL = jv.url(&c, "/artwork/url", m["url"])
			}
		}
	}
	if cb := root["callbackURL"]; cb != nil {
		req.CallbackURL = jv.url(&c, "/callbackURL", cb)
	}
	if p := root["preflight"]; p != nil {
		req.Preflight = jv.preflight(&c, p)
	}
	if e := root["events"]; e != nil {
		req.Events = events(&c, "/events", e)
	}
	if l := root["locale"]; l != nil {
		req.Locale = locale(&c, "/locale", l)
	}
	return req, c.errs
}

// locale checks a job's language: a BCP 47 tag whose language has a
// catalogue. A region or script is kept ("de-AT"); a language we do not
// speak is refused with the list, not quietly shown in English, so that
// an integrator learns it at once.
func locale(c *checker, ptr string, v any) string {
	s, ok := c.str(ptr, v, 1, 35)
	if !ok {
		return ""
	}
	t, err := i18n.Parse(s)
	if err != nil {
		c.add(ptr, "%s", err.Error())
		return ""
	}
	return t.String()
}

// events checks a subscription: an array of distinct event types, [] to
// send none. An unknown type is named with the list, so a typo such as
// "aproved" is found at once rather than by a callback that never comes.
func events(c *checker, ptr string, v any) []job.EventType {
	items, ok := v.([]any)
	if !ok {
		c.add(ptr, `must be an array of event types such as ["approved", "rejected"], or null for the default, not %s`, kind(v))
		return nil
	}
	if len(items) > len(job.EventTypes) {
		// Checked before the items, as metadata is, so that a long array
		// is one problem rather than one per item.
		c.add(ptr, "must name each event type once: at most %d, not %d", len(job.EventTypes), len(items))
		return nil
	}
	names := make([]string, len(job.EventTypes))
	for i, t := range job.EventTypes {
		names[i] = string(t)
	}
	out := make([]job.EventType, 0, len(items))
	for i, it := range items {
		p := fmt.Sprintf("%s/%d", ptr, i)
		s, ok := c.oneOf(p, it, names...)
		if !ok {
			continue
		}
		if slices.Contains(out, job.EventType(s)) {
			c.add(p, "repeats %q; name each event type once", s)
			continue
		}
		out = append(out, job.EventType(s))
	}
	return out
}

func (jv jobValidator) metadata(c *checker, v any) []job.Metadata {
	items, ok := v.([]any)
	if !ok {
		c.add("/metadata", `must be an array of {"propertyId", "propertyName", "value"} objects, not %s`, kind(v))
		return nil
	}
	if len(items) > 100 {
		c.add("/metadata", "must have at most 100 properties, not %d", len(items))
		return nil
	}
	out := make([]job.Metadata, 0, len(items))
	seen := map[string]int{}
	for i, it := range items {
		ptr := fmt.Sprintf("/metadata/%d", i)
		m, ok := c.object(ptr, it, "propertyId", "propertyName", "value")
		if !ok {
			continue
		}
		var md job.Metadata
		for _, f := range []struct {
			name string
			dst  *string
			min  int
			max  int
		}{{"propertyId", &md.PropertyID, 1, 100}, {"propertyName", &md.PropertyName, 1, 200}, {"value", &md.Value, 0, 1000}} {
			if s, ok := c.str(field(ptr, f.name), m[f.name], f.min, f.max); ok {
				*f.dst = s
			}
		}
		if md.PropertyID != "" {
			if first, dup := seen[md.PropertyID]; dup {
				c.add(field(ptr, "propertyId"), "repeats %q from /metadata/%d/propertyId; each propertyId must be unique", clip(md.PropertyID, 40), first)
			}
			seen[md.PropertyID] = i
		}
		out = append(out, md)
	}
	return out
}

func (jv jobValidator) brand(c *checker, v any) *job.Brand {
	m, ok := c.object("/brand", v, "color", "logo")
	if !ok {
		return nil
	}
	var b job.Brand
	if col := m["color"]; col != nil {
		if s, ok := col.(string); !ok || !job.ValidColor(s) {
			c.add("/brand/color", "must be a hex colour such as #1A73E8 or #17E")
		} else {
			b.Color = s
		}
	}
	if logo := m["logo"]; logo != nil {
		b.Logo = jv.url(c, "/brand/logo", logo)
	}
	return &b
}

func (jv jobValidator) preflight(c *checker, v any) *job.Expectations {
	m, ok := c.object("/preflight", v, "profile", "trimSize", "pageCount", "bleed")
	if !ok {
		return nil
	}
	var e job.Expectations
	if p := m["profile"]; p != nil {
		if jv.profiles != nil {
			e.Profile, _ = c.oneOf("/preflight/profile", p, jv.profiles...)
		} else {
			e.Profile, _ = c.str("/preflight/profile", p, 1, 64)
		}
	}
	if ts := m["trimSize"]; ts != nil {
		if t, ok := c.object("/preflight/trimSize", ts, "width", "height", "unit"); ok {
			var s job.Size
			s.Width, _ = c.number("/preflight/trimSize/width", t["width"], 1, 10000)
			s.Height, _ = c.number("/preflight/trimSize/height", t["height"], 1, 10000)
			s.Unit = unit(c, "/preflight/trimSize/unit", t["unit"])
			e.TrimSize = &s
		}
	}
	if pc := m["pageCount"]; pc != nil {
		n, _ := c.integer("/preflight/pageCount", pc, 1, 100000)
		e.PageCount = int(n)
	}
	if bl := m["bleed"]; bl != nil {
		if b, ok := c.object("/preflight/bleed", bl, "size", "unit"); ok {
			var s job.Bleed
			s.Size, _ = c.number("/preflight/bleed/size", b["size"], 0, 100)
			s.Unit = unit(c, "/preflight/bleed/unit", b["unit"])
			e.Bleed = &s
		}
	}
	return &e
}

func unit(c *checker, ptr string, v any) string {
	if v == nil {
		c.add(ptr, "is required: mm, in or pt")
		return ""
	}
	s, _ := c.oneOf(ptr, v, "mm", "in", "pt")
	return s
}

// url checks a URL that Submit will fetch or post to (netguard.ValidateURL:
// absolute https, no credentials, no literal private address). Addresses are
// checked again when Submit connects, after DNS, so this check only catches
// mistakes early: it is not the SSRF defence.
func (jv jobValidator) url(c *checker, ptr string, v any) string {
	s, ok := c.str(ptr, v, 1, netguard.MaxURLLength)
	if !ok {
		return ""
	}
	if _, err := netguard.ValidateURL(s, jv.allowInsecure); err != nil {
		c.add(ptr, "%s", err.Error())
		return ""
	}
	return s
}
