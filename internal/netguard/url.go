package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/atomyx/submit/internal/job"
)

// MaxURLLength bounds the URLs a tenant may give; longer ones are refused
// rather than stored.
const MaxURLLength = 2048

// ValidateURL checks a URL a tenant gives for Submit to call or fetch: it
// must be absolute, https (http too when allowInsecure), with a host and
// without user:password, and one line of text (job.CheckLine: no control
// or bidirectional control characters). Unless allowInsecure, a host written as a
// non-public IP address, a name under a private suffix (localhost,
// .internal, .local, …) or a name without a dot is refused here already;
// every other name is checked again when it is connected to, after
// resolution.
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
	if err := job.CheckLine(raw); err != nil {
		return nil, err // control and bidirectional control characters, in the text rule's words
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
	if a, err := netip.ParseAddr(host); err == nil {
		if class := Classify(a); class != "" {
			return nil, fmt.Errorf("must not point at a %s address (%s): %w", class, a, ErrRefused)
		}
		return u, nil
	}
	if err := checkName(host); err != nil {
		return nil, err
	}
	return u, nil
}

// privateSuffixes are the domain names that never lead to a public host:
// localhost (RFC 6761), the private-use .internal (ICANN, 2024), multicast
// DNS .local (RFC 6762), the home network's home.arpa (RFC 8375) and the
// names RFC 6762 (appendix G) lists as in use on private networks.
var privateSuffixes = []string{
	"localhost", "internal", "local", "home.arpa", "localdomain",
	"intranet", "private", "corp", "home", "lan",
}

// checkName refuses host names that only Submit's own network could
// resolve: the private suffixes, and names without a dot, which the
// resolver completes with the server's search domains.
func checkName(host string) error {
	for _, s := range privateSuffixes {
		if host == s || strings.HasSuffix(host, "."+s) {
			return fmt.Errorf("must not point at %q: %s names only resolve inside a private network: %w", host, s, ErrRefused)
		}
	}
	if !strings.Contains(host, ".") {
		return fmt.Errorf("must name a public host with its full domain, such as erp.example.com: a name without a dot (%q) is looked up inside Submit's own network: %w", host, ErrRefused)
	}
	return nil
}
