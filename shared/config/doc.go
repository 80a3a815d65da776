// Package config holds the typed, validated configuration of each stack. A
// stack's config is loaded once, before any resource is declared, from the
// keys of its environment file. A bad value stops the run with one error
// that names the key, the value it got and what would be accepted.
package config
