// Package naming derives the logical and physical names of the platform's
// resources. Physical names that AWS requires to be unique are built from the
// app, the environment and, where a replacement must be able to create the
// new resource before deleting the old one, a digest of the inputs that force
// that replacement.
package naming
