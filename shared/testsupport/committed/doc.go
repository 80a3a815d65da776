// Package committed gives tests the repository's committed stack files, as
// the stack catalog (shared/stacks) discovers them from the test's working
// directory: every stack, a project's stacks, or one stack by name. It
// fails the test on any error, so a test reads as what it checks. Only
// tests import it.
package committed
