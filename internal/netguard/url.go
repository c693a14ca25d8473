package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// MaxURLLength bounds the URLs a tenant may give; longer ones are refused
// rather than stored.
const MaxURLLength = 2048

// ValidateURL checks a URL a tenant gives for Submit to call or fetch: it
// must be absolute, https (http too when allowInsecure), with a host and
// without user:password. Unless allowInsecure, a host written as a
// non-public IP address or named localhost is refused here already; every
// other name is checked again when it is connected to, after resolution.
// The error reads as the end of a sentence about the field ("must be …"),
// so the caller can prefix the field's name.
func ValidateURL(raw string, allowInsecure bool) (*url.URL, error) {
	example := "such as https://erp.example.com/hooks/submit"
	if raw == "" {
		return nil, fmt.Errorf("must not be empty: give an absolute https URL, %s", example)
	}
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("must be at most %d characters long", MaxURLLength)
	}
	if strings.TrimSpace(raw) != raw || strings.ContainsAny(raw, " \t\r\n") {
		return nil, errors.New("must not contain spaces or line breaks")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return nil, fmt.Errorf("must be an absolute https URL, %s", example)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowInsecure:
	case u.Scheme == "http":
		return nil, fmt.Errorf("must use https, not http: callbacks carry signed data and file links (%s)", example)
	default:
		return nil, fmt.Errorf("must use https, not %q (%s)", u.Scheme, example)
	}
	if u.User != nil {
		return nil, errors.New("must not contain a user name or password: authenticate callbacks by their signature instead")
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("must have a host name, %s", example)
	}
	if allowInsecure {
		return u, nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return nil, fmt.Errorf("must not point at localhost: %w", ErrRefused)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if class := Classify(a); class != "" {
			return nil, fmt.Errorf("must not point at a %s address (%s): %w", class, a, ErrRefused)
		}
	}
	return u, nil
}
