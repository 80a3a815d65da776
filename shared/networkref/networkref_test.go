package networkref_test

import (
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/networkref"
)

func TestParse(t *testing.T) {
	tests := []struct {
		value, env string
		want       networkref.Ref
	}{
		{"", "staging", networkref.Ref{Project: "network", Stack: "staging"}},
		{"  ", "dev", networkref.Ref{Project: "network", Stack: "dev"}},
		{"staging-blue", "staging", networkref.Ref{Project: "network", Stack: "staging-blue"}},
		{"platform/shared-net", "dev", networkref.Ref{Project: "platform", Stack: "shared-net"}},
		{"acme/network/prod.eu_1", "prod", networkref.Ref{Org: "acme", Project: "network", Stack: "prod.eu_1"}},
	}
	for _, tc := range tests {
		got, err := networkref.Parse(tc.value, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q, %q) = %+v, %v, want %+v", tc.value, tc.env, got, err, tc.want)
		}
	}
}

// A bad value is one error naming the key, the value and the forms allowed.
func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ value, says string }{
		{"network//staging", "has an empty part"},
		{"/prod", "has an empty part"},
		{"a/b/c/d", "has 4 parts"},
		{"net work", `has the character " "`},
		{"acme/net:work/dev", `has the character ":"`},
	} {
		_, err := networkref.Parse(tc.value, "dev")
		if err == nil {
			t.Errorf("Parse(%q) accepted it", tc.value)
			continue
		}
		for _, part := range []string{"database:networkStack", `"` + tc.value + `"`, tc.says, networkref.Forms} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("Parse(%q) error %q does not say %q", tc.value, err, part)
			}
		}
	}
}

func TestNetworkRefQualifyAndString(t *testing.T) {
	tests := []struct {
		ref       networkref.Ref
		org, want string
	}{
		{networkref.Ref{Project: "network", Stack: "dev"}, "", "organization/network/dev"},
		{networkref.Ref{Project: "network", Stack: "dev"}, "acme", "acme/network/dev"},
		{networkref.Ref{Org: "acme", Project: "network", Stack: "dev"}, "other", "acme/network/dev"},
	}
	for _, tc := range tests {
		if got := tc.ref.Qualify(tc.org).String(); got != tc.want {
			t.Errorf("%+v.Qualify(%q) = %q, want %q", tc.ref, tc.org, got, tc.want)
		}
	}
	if got := (networkref.Ref{Project: "network", Stack: "dev"}).String(); got != "network/dev" {
		t.Errorf("unqualified String = %q, want network/dev", got)
	}
}

func TestNetworkRefNames(t *testing.T) {
	ref := networkref.Ref{Org: "acme", Project: "network", Stack: "dev"}
	if !ref.Names("network", "dev") {
		t.Error("acme/network/dev does not name network/dev")
	}
	if ref.Names("network", "staging") || ref.Names("database", "dev") {
		t.Error("acme/network/dev names another stack")
	}
}

// The recovery network's default is the one naming rule the database
// program and the deploy tool share; its explicit forms are Parse's, and a
// bad one names the DR entry, not database:networkStack.
func TestParseRecovery(t *testing.T) {
	tests := []struct {
		value, env string
		want       networkref.Ref
	}{
		{"", "prod", networkref.Ref{Project: "network", Stack: "prod-dr"}},
		{" ", "dev", networkref.Ref{Project: "network", Stack: "dev-dr"}},
		{"prod-frankfurt", "prod", networkref.Ref{Project: "network", Stack: "prod-frankfurt"}},
		{"acme/network/prod-dr", "prod", networkref.Ref{Org: "acme", Project: "network", Stack: "prod-dr"}},
	}
	for _, tc := range tests {
		got, err := networkref.ParseRecovery(tc.value, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("ParseRecovery(%q, %q) = %+v, %v, want %+v", tc.value, tc.env, got, err, tc.want)
		}
	}
	if got := networkref.RecoveryStack("staging"); got != "staging-dr" {
		t.Errorf("RecoveryStack(staging) = %q, want staging-dr", got)
	}
	for _, bad := range []string{"network//dev-dr", "a/b/c/d", "dev dr"} {
		_, err := networkref.ParseRecovery(bad, "dev")
		if err == nil {
			t.Errorf("ParseRecovery(%q) accepted it", bad)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, networkref.RecoveryKey) || !strings.Contains(msg, `"`+bad+`"`) || !strings.Contains(msg, networkref.Forms) {
			t.Errorf("ParseRecovery(%q) error %q does not name %s, the value and the forms", bad, msg, networkref.RecoveryKey)
		}
	}
}
