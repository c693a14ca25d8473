package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/atomyx/submit/internal/job"
)

// checker walks a parsed JSON body and collects every problem with its JSON
// Pointer, so that a request is answered with all of its problems at once
// instead of one per round trip.
type checker struct {
	errs []FieldError
}

func (c *checker) add(ptr, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Pointer: ptr, Detail: fmt.Sprintf(format, args...)})
}

// field returns the pointer of a member of the object at ptr.
func field(ptr, name string) string {
	name = strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
	return ptr + "/" + name
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// object checks that v is an object whose members are all known, with a
// did-you-mean hint for each unknown one.
func (c *checker) object(ptr string, v any, known ...string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		c.add(ptr, "must be an object, not %s", kind(v))
		return nil, false
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names) // a stable order of errors, whatever the map's
	for _, k := range names {
		if slices.Contains(known, k) {
			continue
		}
		if s := suggest(k, known); s != "" {
			c.add(field(ptr, k), "unknown field %q: did you mean %s?", clip(k, 40), s)
		} else {
			c.add(field(ptr, k), "unknown field %q; the known fields here are %s", clip(k, 40), strings.Join(known, ", "))
		}
	}
	return m, true
}

// str checks that v is a one-line string of min to max characters
// (job.CheckLine: no control or bidirectional control characters).
func (c *checker) str(ptr string, v any, min, max int) (string, bool) {
	if v == nil {
		c.add(ptr, "is required")
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		c.add(ptr, "must be a string, not %s", kind(v))
		return "", false
	}
	n := utf8.RuneCountInString(s)
	switch {
	case min > 0 && strings.TrimSpace(s) == "":
		c.add(ptr, "must not be empty")
		return "", false
	case n < min || n > max:
		c.add(ptr, "must have %d to %d characters, not %d", min, max, n)
		return "", false
	}
	if err := job.CheckLine(s); err != nil {
		c.add(ptr, "%s", err.Error())
		return "", false
	}
	return s, true
}

// number checks that v is a number in [min, max].
func (c *checker) number(ptr string, v any, min, max float64) (float64, bool) {
	if v == nil {
		c.add(ptr, "is required")
		return 0, false
	}
	n, ok := v.(json.Number)
	if !ok {
		c.add(ptr, "must be a number, not %s", kind(v))
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || f < min || f > max {
		c.add(ptr, "must be a number from %g to %g, not %s", min, max, clip(n.String(), 30))
		return 0, false
	}
	return f, true
}

// integer checks that v is a whole number in [min, max].
func (c *checker) integer(ptr string, v any, min, max int64) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		c.add(ptr, "must be a whole number, not %s", kind(v))
		return 0, false
	}
	i, err := n.Int64()
	if err != nil || i < min || i > max {
		c.add(ptr, "must be a whole number from %d to %d, not %s", min, max, clip(n.String(), 30))
		return 0, false
	}
	return i, true
}

// oneOf checks that v is one of the given strings.
func (c *checker) oneOf(ptr string, v any, allowed ...string) (string, bool) {
	s, ok := v.(string)
	if !ok || !slices.Contains(allowed, s) {
		if hint := suggest(s, allowed); ok && hint != "" {
			c.add(ptr, "%q is not one of %s: did you mean %s?", clip(s, 40), strings.Join(allowed, ", "), hint)
			return "", false
		}
		c.add(ptr, "must be one of %s", strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}
