package dbspec_test

import "time"

// planned is the fixed time the tests' specs are resolved at.
var planned = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)
