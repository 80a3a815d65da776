package workspace

import "testing"

// The one fallback order of the state backend: the tool's flag, then
// PULUMI_BACKEND_URL, then the local state folder in the repository.
func TestBackendURLOrder(t *testing.T) {
	env := func(v string) Lookup {
		return func(k string) (string, bool) {
			if k == EnvBackendURL {
				return v, true
			}
			return "", false
		}
	}
	tests := []struct {
		name, explicit string
		lookup         Lookup
		want           string
	}{
		{"flag wins over the environment", "s3://flag", env("s3://env"), "s3://flag"},
		{"environment without a flag", "", env(" s3://env "), "s3://env"},
		{"spaces are no flag", "  ", env("s3://env"), "s3://env"},
		{"local default", "", env("  "), "file:///repo/.pulumi-state"},
	}
	for _, tc := range tests {
		if got := BackendURL("/repo", tc.explicit, tc.lookup); got != tc.want {
			t.Errorf("%s: BackendURL = %q, want %q", tc.name, got, tc.want)
		}
	}
}
