package cli

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSleepEndsWithItsContext fails if a cancelled context does not cut
// the wait short with its error, or a plain wait reports one.
func TestSleepEndsWithItsContext(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("a finished wait returned %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait returned %v, want context.Canceled", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("a cancelled wait took %s", time.Since(start))
	}
}
