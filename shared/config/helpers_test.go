package config_test

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
)

// networkBase is a valid dev network config with only the required keys;
// each case of a table changes a few keys of a copy.
func networkBase() map[string]string {
	return map[string]string{
		"aws:region":            "eu-west-1",
		"aws:allowedAccountIds": `["123456789012"]`,
		"network:tier":          "dev",
		"network:environment":   "dev",
		"network:vpcCidr":       "10.20.0.0/16",
	}
}

// databaseBase is a valid prod database config with only the required keys.
func databaseBase() map[string]string {
	return map[string]string{
		"aws:region":            "eu-west-1",
		"aws:allowedAccountIds": `["111122223333"]`,
		"database:tier":         "prod",
		"database:environment":  "prod",
		"database:app":          "orders",
		"database:drOptOut":     "no recovery network in these tests",
	}
}

// with returns a copy of base with set applied; a value of unset removes
// the key.
func with(base, set map[string]string) map[string]string {
	out := maps.Clone(base)
	for k, v := range set {
		if v == unset {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// unset, as a value in a case's changes, removes the key.
const unset = "\x00unset"

// rejection is one bad input and the error it must produce.
type rejection struct {
	name    string
	set     map[string]string
	key     string // the full key the error names
	value   string // the bad value the error names
	allowed string // a phrase of what is allowed the message must contain
}

// assertConfigError fails unless err is a *config.Error naming key and
// value, whose message says what is allowed.
func assertConfigError(t *testing.T, err error, key, value, allowed string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error on %s = %q", key, value)
	}
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *config.Error", err, err)
	}
	if ce.Key != key {
		t.Errorf("error names key %q, want %q (error: %v)", ce.Key, key, err)
	}
	if ce.Value != value {
		t.Errorf("error names value %q, want %q (error: %v)", ce.Value, value, err)
	}
	if ce.Allowed == "" {
		t.Errorf("error does not say what is allowed: %v", err)
	}
	if !strings.Contains(ce.Allowed, allowed) {
		t.Errorf("allowed %q does not mention %q", ce.Allowed, allowed)
	}
	msg := err.Error()
	for _, part := range []string{ce.Key, ce.Allowed} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q does not contain %q", msg, part)
		}
	}
	if value != "" && !strings.Contains(msg, strconv.Quote(value)) {
		t.Errorf("message %q does not quote the value %q", msg, value)
	}
}

// runRejections loads every case with load and checks its error.
func runRejections(t *testing.T, base map[string]string, namespace string, cases []rejection, load func(config.Source) error) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases are named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			err := load(config.MapSource(namespace, with(base, tc.set)))
			assertConfigError(t, err, tc.key, tc.value, tc.allowed)
		})
	}
}
