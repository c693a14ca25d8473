package netguard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// refused lists at least one address of every class the client refuses.
var refused = []struct{ addr, class string }{
	{"10.0.0.1", "private (RFC 1918)"},
	{"172.16.0.1", "private (RFC 1918)"},
	{"172.31.255.254", "private (RFC 1918)"},
	{"192.168.1.1", "private (RFC 1918)"},
	{"127.0.0.1", "loopback"},
	{"127.255.255.254", "loopback"},
	{"::1", "loopback"},
	{"169.254.1.1", "link-local"},
	{"fe80::1", "link-local"},
	{"fe80::1%eth0", "link-local"},
	{"169.254.169.254", "cloud metadata"},
	{"fd00:ec2::254", "cloud metadata"},
	{"100.100.100.200", "cloud metadata"},
	{"224.0.0.1", "multicast"},
	{"239.255.255.250", "multicast"},
	{"ff02::1", "multicast"},
	{"0.0.0.0", `"this network" (0.0.0.0/8)`},
	{"0.1.2.3", `"this network" (0.0.0.0/8)`},
	{"::", "unspecified"},
	{"100.64.0.1", "carrier-grade NAT (100.64.0.0/10)"},
	{"100.127.255.254", "carrier-grade NAT (100.64.0.0/10)"},
	{"255.255.255.255", "broadcast"},
	{"240.0.0.1", "reserved (240.0.0.0/4)"},
	{"192.0.2.10", "documentation"},
	{"198.51.100.10", "documentation"},
	{"203.0.113.10", "documentation"},
	{"2001:db8::1", "documentation"},
	{"198.18.0.1", "benchmarking"},
	{"fd12:3456::1", "unique local (private IPv6)"},
	{"fc00::1", "unique local (private IPv6)"},
	{"::ffff:127.0.0.1", "IPv4-mapped loopback"},
	{"::ffff:10.1.2.3", "IPv4-mapped private (RFC 1918)"},
	{"::ffff:169.254.169.254", "IPv4-mapped cloud metadata"},
	{"::ffff:100.64.0.1", "IPv4-mapped carrier-grade NAT (100.64.0.0/10)"},
	{"::127.0.0.1", "IPv4-compatible IPv6 (deprecated)"},
	{"64:ff9b::7f00:1", "NAT64 loopback"},
	{"64:ff9b::a9fe:a9fe", "NAT64 cloud metadata"},
	{"2002:c0a8:101::1", "6to4 private (RFC 1918)"},
	{"2001:0:4136:e378::1", "Teredo"},
	{"fec0::1", "site-local (deprecated)"},
}

var public = []string{
	"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
	"192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8",
	"64:ff9b::808:808", "2002:808:808::1",
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tt := range refused {
		a := netip.MustParseAddr(tt.addr)
		if got := Classify(a); got != tt.class {
			t.Errorf("Classify(%s) = %q, want %q", tt.addr, got, tt.class)
		}
	}
	for _, s := range public {
		if got := Classify(netip.MustParseAddr(s)); got != "" {
			t.Errorf("Classify(%s) = %q, want public", s, got)
		}
	}
}

// TestControlRefusesEveryClass runs the dialer's hook on every refused
// address as the dialer hands it over (after resolution), without opening
// any connection.
func TestControlRefusesEveryClass(t *testing.T) {
	t.Parallel()
	for _, tt := range refused {
		addr := net.JoinHostPort(tt.addr, "443")
		err := control(context.Background(), "tcp", addr, nil)
		var re *RefusedError
		if !errors.As(err, &re) || !errors.Is(err, ErrRefused) || re.Class != tt.class {
			t.Errorf("control(%s) = %v, want a refusal as %s", addr, err, tt.class)
		}
	}
	for _, s := range public {
		if err := control(context.Background(), "tcp", net.JoinHostPort(s, "443"), nil); err != nil {
			t.Errorf("control(%s) = %v, want nil", s, err)
		}
	}
}

// setup starts a receiver on loopback and returns its port.
func setup(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
			return
		}
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// TestClientRefusesAtConnect dials a real receiver on loopback through
// literal addresses and names: refused by default, reached when insecure
// URLs are allowed, which shows that the refusal is the guard's doing.
func TestClientRefusesAtConnect(t *testing.T) {
	t.Parallel()
	port := setup(t)
	resolver := fakeDNS(t, netip.MustParseAddr("127.0.0.1"))
	hosts := []string{
		"127.0.0.1",             // loopback literal
		"0.0.0.0",               // unspecified: Linux connects it to this machine
		"[::ffff:127.0.0.1]",    // IPv4-mapped loopback
		"localhost",             // a name, resolved by the system
		"callbacks.example.com", // a public-looking name that resolves to loopback (DNS rebinding)
	}
	for _, host := range hosts {
		url := "http://" + host + ":" + port + "/"
		strict := NewClient(Options{Resolver: resolver})
		resp, err := strict.Get(url)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded, want refused", url)
		} else if !errors.Is(err, ErrRefused) {
			t.Errorf("GET %s = %v, want ErrRefused", url, err)
		} else if msg := errors.Unwrap(err).Error(); !strings.Contains(msg, "not public") || strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, ":"+port) {
			// The URL is the caller's own; the address it resolved to
			// is Submit's to know.
			t.Errorf("GET %s: %q must name the class, not the address", url, msg)
		}
		open := NewClient(Options{Resolver: resolver, AllowInsecure: true})
		resp, err = open.Get(url)
		if err != nil {
			t.Errorf("insecure GET %s: %v", url, err)
			continue
		}
		resp.Body.Close()
	}
}

// TestClientErrorsNameNoServer: a failed lookup does not name the DNS
// server that Submit asked, which is an address of its own network.
func TestClientErrorsNameNoServer(t *testing.T) {
	t.Parallel()
	resolver := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS here")
	}}
	_, err := NewClient(Options{Resolver: resolver}).Get("https://erp.example.com/hook")
	var dns *net.DNSError
	if !errors.As(err, &dns) {
		t.Fatalf("GET = %v, want a DNS error", err)
	}
	if dns.Server != "" || strings.Contains(err.Error(), " on ") {
		t.Errorf("the error names the DNS server: %v", err)
	}
	var op *net.OpError
	if errors.As(err, &op) && (op.Addr != nil || op.Source != nil) {
		t.Errorf("the error names an address: %v", err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	port := setup(t)
	resp, err := NewClient(Options{AllowInsecure: true}).Get("http://127.0.0.1:" + port + "/redirect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want the 302 itself", resp.StatusCode)
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url      string
		insecure bool
		ok       bool
		refused  bool // the error wraps ErrRefused
	}{
		{"https://erp.example.com/hooks/submit", false, true, false},
		{"https://erp.example.com:8443/hooks?x=1", false, true, false},
		{"https://8.8.8.8/hook", false, true, false},
		{"http://erp.example.com/hook", false, false, false},
		{"http://erp.example.com/hook", true, true, false},
		{"http://127.0.0.1:8080/hook", true, true, false},
		{"ftp://erp.example.com/hook", true, false, false},
		{"/hooks/submit", false, false, false},
		{"erp.example.com/hook", false, false, false},
		{"https://", false, false, false},
		{"https://user:pass@erp.example.com/", false, false, false},
		{"https://user:pass@erp.example.com/", true, false, false},
		{" https://erp.example.com/", false, false, false},
		{"https://erp.example.com/a b", false, false, false},
		// What would display as another URL (Trojan Source) or break a
		// log line: refused wherever a URL is given, API, ping or Manage.
		{"https://erp.example.com/\u202eknil", true, false, false},
		{"https://erp.example.com/\x07", true, false, false},
		{"https://erp.example.com/\u0085", true, false, false},
		{"https://" + strings.Repeat("a", MaxURLLength) + ".com/", false, false, false},
		{"", false, false, false},
		{"https://localhost/hook", false, false, true},
		{"https://api.localhost./hook", false, false, true},
		{"https://127.0.0.1/hook", false, false, true},
		{"https://10.0.0.8/hook", false, false, true},
		{"https://169.254.169.254/latest/meta-data", false, false, true},
		{"https://[::1]/hook", false, false, true},
		{"https://[::ffff:192.168.0.1]/hook", false, false, true},
		{"https://[fd00:ec2::254]/", false, false, true},
		{"https://100.64.1.1/", false, false, true},
		{"https://foo.internal/", false, false, true},
		{"https://ERP.Internal./hook", false, false, true},
		{"https://printer.local/", false, false, true},
		{"https://nas.home.arpa/", false, false, true},
		{"https://erp.corp/", false, false, true},
		{"https://erp/hook", false, false, true},
		{"https://foo.internal/", true, true, false},
		{"https://internal.example.com/", false, true, false},
		{"https://[2606:4700:4700::1111]/", false, true, false},
	}
	for _, tt := range tests {
		_, err := ValidateURL(tt.url, tt.insecure)
		if tt.ok != (err == nil) {
			t.Errorf("ValidateURL(%q, %v) = %v, want ok=%v", tt.url, tt.insecure, err, tt.ok)
		}
		if tt.refused != errors.Is(err, ErrRefused) {
			t.Errorf("ValidateURL(%q, %v) = %v, want refused=%v", tt.url, tt.insecure, err, tt.refused)
		}
	}
}

// fakeDNS starts a DNS server on loopback that answers every A query with
// addr and every other query with no answer, and returns a resolver that
// uses only it.
func fakeDNS(t *testing.T, addr netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], addr); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp4", pc.LocalAddr().String())
	}}
}

// dnsAnswer builds the reply to one query of one question (RFC 1035 §4).
func dnsAnswer(q []byte, addr netip.Addr) []byte {
	if len(q) < 12 {
		return nil
	}
	i := 12
	for i < len(q) && q[i] != 0 { // the question's name, as labels
		i += int(q[i]) + 1
	}
	if i+5 > len(q) {
		return nil
	}
	question := q[12 : i+5]
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := append([]byte{}, q[:2]...)                      // id
	resp = append(resp, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0) // response, recursion available; 1 question
	resp = append(resp, question...)
	if qtype == 1 { // A
		resp[7] = 1 // one answer
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
		a4 := addr.As4()
		resp = append(resp, a4[:]...)
	}
	return resp
}
