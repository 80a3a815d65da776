package pglocal

import (
	"strings"
	"testing"
)

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]LSN{
		"0/0":               0,
		"0/3000148":         0x3000148,
		"16/B374D848":       0x16B374D848,
		"FFFFFFFF/FFFFFFFF": 0xFFFFFFFFFFFFFFFF,
	} {
		got, err := ParseLSN(in)
		if err != nil || got != want {
			t.Errorf("ParseLSN(%q) = %d, %v; want %d", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("LSN(%d).String() = %q, want %q", got, got.String(), in)
		}
	}
	// Ordering follows the byte offset: a higher segment wins over a
	// higher offset in a lower one.
	a, _ := ParseLSN("1/0")
	b, _ := ParseLSN("0/FFFFFFFF")
	if a <= b {
		t.Errorf("1/0 (%d) is not after 0/FFFFFFFF (%d)", a, b)
	}
	for _, bad := range []string{"", "16", "16/", "/1", "G/1", "1/100000000", "-1/1"} {
		if _, err := ParseLSN(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseLSN(%q): err = %v, want one naming the value", bad, err)
		}
	}
}
