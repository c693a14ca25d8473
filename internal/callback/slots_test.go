package callback

import "testing"

func TestHostKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b string }{
		{"https://ERP.example.com/hook", "https://erp.example.com:443/other"},
		{"http://erp.example.com/hook", "http://erp.example.com:80/"},
		{"https://[2001:db8::1]/x", "https://[2001:db8::1]:443/y"},
	}
	for _, tt := range tests {
		if hostKey(tt.a) != hostKey(tt.b) {
			t.Errorf("hostKey(%q) = %q, hostKey(%q) = %q; want the same", tt.a, hostKey(tt.a), tt.b, hostKey(tt.b))
		}
	}
	if hostKey("https://erp.example.com:8443/") == hostKey("https://erp.example.com/") {
		t.Error("different ports share a key")
	}
}
