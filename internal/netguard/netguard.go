// Package netguard makes outbound HTTP requests to addresses that tenants
// choose (callback URLs, artwork and logo URLs) without letting them reach
// Submit's own network: loopback, private ranges, link-local and cloud
// metadata services, and the like (server-side request forgery).
//
// The check runs in the dialer's Control hook, on the address actually being
// connected to after DNS resolution, so a name that resolves to a public
// address when the URL is validated and to a private one when it is used
// (DNS rebinding) is still refused. The client never uses a proxy from the
// environment, which would move the connection out of reach of the check,
// and never follows redirects, which could point anywhere.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every refusal to connect or to accept a URL.
var ErrRefused = errors.New("address not allowed")

// RefusedError says which class of address was refused. It never names
// the address: the error reaches whoever chose the URL (a ping's result, a
// delivery attempt), and addresses would map Submit's own network for them.
type RefusedError struct {
	Class string // e.g. "loopback", "private (RFC 1918)"
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to connect: the host's address is not public (%s), and callbacks and downloads only go to public addresses (--allow-insecure-urls lifts this for local development)", e.Class)
}

// Unwrap makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// Options configure a client.
type Options struct {
	// AllowInsecure turns the address check off: for local development
	// and tests (--allow-insecure-urls). Default false.
	AllowInsecure bool
	// Timeout bounds a whole request, body included. Default 10s.
	Timeout time.Duration
	// Resolver resolves host names; nil means net.DefaultResolver. Tests set
	// it to show that names are checked after resolution.
	Resolver *net.Resolver
}

// NewClient returns an http.Client that refuses non-public addresses at
// connect time (unless o.AllowInsecure), uses no proxy and does not follow
// redirects: a 3xx comes back as the response, for the caller to treat as a
// failure.
func NewClient(o Options) *http.Client {
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	t := &http.Transport{
		Proxy:             nil, // a proxy would connect for us, past the check
		DialContext:       dialer{newDialer(o)}.DialContext,
		ForceAttemptHTTP2: true,
		MaxIdleConns:      100,
		// Keep as many idle connections per host as the callback worker
		// may have attempts in flight there, or a busy receiver gets a new
		// TCP (and TLS) handshake for most callbacks.
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: t,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// newDialer returns a net.Dialer whose Control hook refuses non-public
// addresses unless o.AllowInsecure.
func newDialer(o Options) *net.Dialer {
	d := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second, Resolver: o.Resolver}
	if d.Timeout == 0 {
		d.Timeout = 10 * time.Second
	}
	if !o.AllowInsecure {
		d.ControlContext = control
	}
	return d
}

// dialer is a net.Dialer whose errors name neither the address a host
// resolved to nor the DNS server asked, for the reason RefusedError gives.
type dialer struct{ d *net.Dialer }

func (d dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, scrub(err)
	}
	return c, nil
}

// scrub removes the addresses from a dial error and keeps the rest, so that
// errors.Is and errors.As still see the cause.
func scrub(err error) error {
	switch e := err.(type) {
	case *net.OpError:
		c := *e
		c.Source, c.Addr, c.Err = nil, nil, scrub(e.Err)
		return &c
	case *net.DNSError:
		c := *e
		c.Server = ""
		return &c
	}
	return err
}

// control runs after resolution, just before connect, once per address tried.
func control(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read the address being dialled over %s", ErrRefused, network)
	}
	return CheckAddr(ap.Addr())
}

// CheckAddr returns a *RefusedError when a is not a public unicast address.
func CheckAddr(a netip.Addr) error {
	if class := Classify(a); class != "" {
		return &RefusedError{Class: class}
	}
	return nil
}
