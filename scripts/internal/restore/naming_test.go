package restore

import (
	"strings"
	"testing"
	"time"
)

func TestInstanceName(t *testing.T) {
	at := time.Date(2026, 11, 29, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	long := "payments" + strings.Repeat("x", 12) + "-staging12345-1a2b3c4d" // 42 characters, the longest the platform makes
	longer := strings.Repeat("a", 50) + "-b-c"
	for _, tc := range []struct {
		source, want string
	}{
		{"orders-staging-5e1f0a9c", "orders-staging-5e1f0a9c-drill-20261129020405"},
		{long, long + "-drill-20261129020405"},
		// Trimmed to 63, and no hyphen left before the infix.
		{longer, strings.Repeat("a", 42) + "-drill-20261129020405"},
	} {
		got, err := InstanceName(tc.source, at)
		if err != nil {
			t.Fatalf("%s: %v", tc.source, err)
		}
		if got != tc.want {
			t.Errorf("InstanceName(%q) = %q, want %q", tc.source, got, tc.want)
		}
		if len(got) > 63 {
			t.Errorf("%q is %d characters, RDS allows 63", got, len(got))
		}
		if got == tc.source || !IsDrillName(got, tc.source) {
			t.Errorf("%q is not recognised as a drill of %q", got, tc.source)
		}
	}
}

func TestInstanceNameTrimsHyphen(t *testing.T) {
	// The cut falls right after a hyphen: it must not leave "--".
	source := strings.Repeat("a", 41) + "-" + strings.Repeat("b", 10)
	got, err := InstanceName(source, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "--") || len(got) > 63 {
		t.Errorf("got %q", got)
	}
}

func TestInstanceNameRejectsBadSource(t *testing.T) {
	for _, s := range []string{"", "Orders", "1orders", "orders-", "a--b", strings.Repeat("a", 64)} {
		if _, err := InstanceName(s, time.Now()); err == nil {
			t.Errorf("InstanceName(%q) accepted", s)
		}
	}
}

func TestIsDrillName(t *testing.T) {
	if IsDrillName("orders-prod-1", "orders-prod-1") {
		t.Error("the source itself is not a drill")
	}
	if IsDrillName("payments-prod-1-drill-20261129020405", "orders-prod-1") {
		t.Error("another source's drill")
	}
}
