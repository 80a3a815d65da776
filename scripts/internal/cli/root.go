package cli

import (
	"fmt"
	"os"

	"github.com/pgplatform/platform/shared/stacks"
)

// Root returns root when it is set (a --root flag, or a test's folder),
// else the repository root above the working directory: the folder that
// holds go.work (stacks.FindRoot).
func Root(root string) (string, error) {
	if root != "" {
		return root, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the working directory: %w", err)
	}
	root, err = stacks.FindRoot(wd)
	if err != nil {
		return "", fmt.Errorf("find the repository root: %w", err)
	}
	return root, nil
}
