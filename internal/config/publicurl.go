package config

import (
	"fmt"
	"net"
	"net/url"
)

// publicURLFromAddr is the public URL of a server reached directly at
// addr: http, and localhost for an address that listens on every
// interface (or on loopback), since it names no host a browser could use.
func publicURLFromAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q must be host:port, such as 127.0.0.1:8080 or :8080", addr)
	}
	if port == "0" {
		return "", fmt.Errorf("--addr %q lets the system choose the port, so links cannot be derived from it: give --public-url too", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && (ip.IsUnspecified() || ip.IsLoopback()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// PublicURLMismatch says, when links under publicURL would not reach a
// server listening at listen (as reported by the listener), what an
// operator should know; it is empty when they match. A mismatch is
// legitimate behind a proxy or a DNS name, so it is a warning, not an
// error: it catches a forgotten --public-url, the cause of upload links
// that lead nowhere.
func PublicURLMismatch(publicURL, listen string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	lhost, lport, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port == lport && hostReaches(u.Hostname(), lhost) {
		return ""
	}
	return fmt.Sprintf("upload and file links will point to %s, but Submit listens on %s; if a proxy serves that address, ignore this, else set --public-url", publicURL, listen)
}

// hostReaches reports whether a client naming host reaches a server
// listening on the IP lhost.
func hostReaches(host, lhost string) bool {
	lip := net.ParseIP(lhost)
	if lip == nil || lip.IsUnspecified() {
		return true // every interface: any name may lead here
	}
	if host == "localhost" {
		return lip.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.Equal(lip)
}
