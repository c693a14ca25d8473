package store

import "testing"

func TestHostKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b string }{
		{"https://ERP.example.com/hook", "https://erp.example.com:443/other"},
		{"http://erp.example.com/hook", "http://erp.example.com:80/"},
		{"https://[2001:db8::1]/x", "https://[2001:db8::1]:443/y"},
	}
	for _, tt := range tests {
		if HostKey(tt.a) != HostKey(tt.b) {
			t.Errorf("HostKey(%q) = %q, HostKey(%q) = %q; want the same", tt.a, HostKey(tt.a), tt.b, HostKey(tt.b))
		}
	}
	if HostKey("https://erp.example.com:8443/") == HostKey("https://erp.example.com/") {
		t.Error("different ports share a key")
	}
}
