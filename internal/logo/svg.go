package logo

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// svgElements are the SVG elements a logo keeps: shapes, text, paint
// servers, clipping, masking and filters. Anything else (animation, which
// can change an attribute into a script link; editors' metadata; elements
// of other namespaces) is dropped with its content when the file is
// rewritten. script and foreignObject refuse the whole file instead.
var svgElements = setOf(
	"svg", "g", "defs", "symbol", "use", "title", "desc", "switch", "a", "style",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "image",
	"text", "tspan", "textPath",
	"linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
	"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
	"feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood",
	"feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feImage", "feMerge", "feMergeNode",
	"feMorphology", "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Bounds of an SVG's structure, beside MaxBytes.
const (
	maxSVGDepth    = 64
	maxSVGElements = 20000
)

// looksLikeXML reports whether b starts, after a byte order mark and
// white space, with markup: an SVG, or an HTML page or XML of another kind,
// which the parse tells apart.
func looksLikeXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

// sanitizeSVG parses an SVG with encoding/xml and writes it again from
// what it parsed, keeping only the elements of svgElements and the
// attributes that can do no harm, so that what Submit serves is exactly
// what it checked (no difference between Go's parser and a browser's can
// smuggle anything through). Active content refuses the file
// (CodeUnsafeSVG): script and foreignObject elements, event handler
// attributes (on…), references to anything but a fragment of the file
// itself (href, xlink:href, url(…) in attributes and style sheets,
// @import), and DOCTYPE declarations, which bring entities.
func sanitizeSVG(b []byte, contentType string) ([]byte, *Problem) {
	s := &svgWriter{}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !s.rooted {
				return nil, notAnImage(b, contentType)
			}
			return nil, problem(CodeNotAnImage, "The SVG logo is not well-formed XML (%s). Export it again.", err)
		}
		if p := s.token(tok, b, contentType); p != nil {
			return nil, p
		}
	}
	if !s.rooted || s.depth != 0 {
		return nil, notAnImage(b, contentType)
	}
	return s.out.Bytes(), nil
}

// svgWriter rewrites an SVG token by token.
type svgWriter struct {
	out      bytes.Buffer
	rooted   bool     // the svg root element was seen
	depth    int      // elements open, dropped ones included
	skip     int      // depth at which a dropped element opened; 0 when none
	stack    []string // names of the open elements kept
	elements int
}

func (s *svgWriter) token(tok xml.Token, b []byte, contentType string) *Problem {
	switch t := tok.(type) {
	case xml.StartElement:
		return s.start(t, b, contentType)
	case xml.EndElement:
		s.depth--
		if s.skip > 0 {
			if s.depth < s.skip {
				s.skip = 0
			}
			return nil
		}
		s.out.WriteString("</" + t.Name.Local + ">")
		s.stack = s.stack[:len(s.stack)-1]
	case xml.CharData:
		if s.skip > 0 || len(s.stack) == 0 {
			return nil // text outside the root is white space
		}
		if s.stack[len(s.stack)-1] == "style" {
			if p := checkCSS(string(t), "a style element"); p != nil {
				return p
			}
		}
		_ = xml.EscapeText(&s.out, t)
	case xml.Directive:
		if !s.rooted && bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(t)), []byte("doctype html")) {
			return notAnImage(b, contentType)
		}
		return unsafe("a DOCTYPE declaration, which can define entities")
	case xml.ProcInst:
		if strings.EqualFold(t.Target, "xml-stylesheet") {
			return unsafe("an xml-stylesheet instruction, a reference to another file")
		}
	}
	return nil // comments and the XML declaration are left out
}

func (s *svgWriter) start(t xml.StartElement, b []byte, contentType string) *Problem {
	s.depth++
	if s.elements++; s.elements > maxSVGElements {
		return problem(CodeTooLarge, "The SVG logo has more than %d elements. Simplify it, or export it as PNG.", maxSVGElements)
	}
	if s.depth > maxSVGDepth {
		return problem(CodeNotAnImage, "The SVG logo nests elements more than %d deep. Simplify it, or export it as PNG.", maxSVGDepth)
	}
	name := t.Name.Local
	if !s.rooted {
		if name != "svg" || (t.Name.Space != svgNS && t.Name.Space != "") {
			return notAnImage(b, contentType)
		}
		s.rooted = true
	}
	if l := strings.ToLower(name); l == "script" || l == "foreignobject" {
		return unsafe(fmt.Sprintf("a %s element", name))
	}
	if s.skip > 0 {
		return nil
	}
	if !svgElements[name] || (t.Name.Space != svgNS && t.Name.Space != "") {
		s.skip = s.depth
		return nil
	}
	s.out.WriteString("<" + name)
	if len(s.stack) == 0 {
		s.out.WriteString(` xmlns="` + svgNS + `" xmlns:xlink="` + xlinkNS + `"`)
	}
	for _, a := range t.Attr {
		attr, p := checkAttr(name, a)
		if p != nil {
			return p
		}
		if attr == "" {
			continue
		}
		s.out.WriteString(" " + attr + `="`)
		_ = xml.EscapeText(&s.out, []byte(a.Value))
		s.out.WriteString(`"`)
	}
	s.out.WriteString(">")
	s.stack = append(s.stack, name)
	return nil
}

// checkAttr returns the name to write an attribute under, "" to drop it,
// or why the file is refused.
func checkAttr(elem string, a xml.Attr) (string, *Problem) {
	n := a.Name
	if strings.HasPrefix(strings.ToLower(n.Local), "on") {
		return "", unsafe(fmt.Sprintf("an event handler attribute (%s on %s), which runs a script", n.Local, elem))
	}
	if n.Local == "href" && (n.Space == "" || n.Space == xlinkNS) {
		if !localRef(elem, a.Value) {
			return "", unsafe(fmt.Sprintf("a reference to another file (href %q on %s); only references within the file (#id) are accepted", clip(a.Value, 60), elem))
		}
		if n.Space == xlinkNS {
			return "xlink:href", nil
		}
		return "href", nil
	}
	switch n.Space {
	case "":
		if n.Local == "xmlns" {
			return "", nil // the root gets its own declarations
		}
		if p := checkCSS(a.Value, "the "+n.Local+" attribute of "+elem); p != nil {
			return "", p
		}
		return n.Local, nil
	case xmlNS:
		if n.Local == "space" || n.Local == "lang" {
			return "xml:" + n.Local, nil
		}
	}
	return "", nil // other namespaces: editors' data, xml:base, declarations
}

// localRef reports whether an href stays inside the file: a fragment, or
// on an image element an embedded raster image.
func localRef(elem, v string) bool {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "#") {
		return true
	}
	return elem == "image" && embeddedImage.MatchString(v)
}

var embeddedImage = regexp.MustCompile(`^(?i)data:image/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=\s]*$`)

// cssURL finds url( with what follows; cssLocal is a url(#id) reference.
var (
	cssURL   = regexp.MustCompile(`(?i)url\s*\(`)
	cssLocal = regexp.MustCompile(`(?i)^url\s*\(\s*['"]?#`)
)

// checkCSS refuses style text (a style element, a style attribute, or any
// attribute, which may hold a url()) that refers to another file. CSS
// escapes could spell url( in a way these checks miss, so a backslash is
// refused too; logos have no use for one.
func checkCSS(v, where string) *Problem {
	if strings.Contains(v, `\`) {
		return unsafe("a backslash in " + where + ", which in CSS can hide a reference to another file")
	}
	if strings.Contains(strings.ToLower(v), "@import") {
		return unsafe("an @import in " + where + ", a reference to another file")
	}
	for _, loc := range cssURL.FindAllStringIndex(v, -1) {
		if !cssLocal.MatchString(v[loc[0]:]) {
			return unsafe(fmt.Sprintf("a reference to another file (%s) in %s; only url(#id) is accepted",
				clip(v[loc[0]:], 60), where))
		}
	}
	return nil
}

func unsafe(what string) *Problem {
	return problem(CodeUnsafeSVG, "The SVG logo contains %s. Submit refuses SVG files with scripts or references to other files, because the customer's page must run nothing and load nothing from elsewhere. Export the logo again as plain shapes (or as PNG).", what)
}
