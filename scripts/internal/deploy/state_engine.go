package deploy

import (
	"context"
	"fmt"
	"strings"
)

// ExportState implements StateEngine.
func (e *autoEngine) ExportState(ctx context.Context, project, stack string) ([]byte, error) {
	data, err := e.settings.ExportState(ctx, e.cmd, project, stack)
	if err != nil {
		if strings.Contains(err.Error(), "no stack named") {
			return nil, fmt.Errorf("%w %s", ErrNotFound, e.settings.BackendURL)
		}
		return nil, err
	}
	return data, nil
}

// ImportState implements StateEngine.
func (e *autoEngine) ImportState(ctx context.Context, project, stack string, state []byte) error {
	return e.settings.ImportState(ctx, e.cmd, project, stack, state)
}
