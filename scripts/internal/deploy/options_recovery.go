package deploy

import (
	"errors"
	"fmt"
	"strings"
)

// addAdopt parses one --adopt URN=ID.
func (o *Options) addAdopt(v string) error {
	urn, id, ok := strings.Cut(v, "=")
	urn, id = strings.TrimSpace(urn), strings.TrimSpace(id)
	if !ok || !strings.HasPrefix(urn, "urn:pulumi:") || id == "" {
		return fmt.Errorf("--adopt %q: want <URN>=<ID>, the pending create's URN (urn:pulumi:...) and the resource's ID in AWS", v)
	}
	if o.Adopt == nil {
		o.Adopt = map[string]string{}
	}
	o.Adopt[urn] = id
	return nil
}

// addForget parses one --forget URN.
func (o *Options) addForget(v string) error {
	urn := strings.TrimSpace(v)
	if !strings.HasPrefix(urn, "urn:pulumi:") {
		return fmt.Errorf("--forget %q: want the pending create's URN (urn:pulumi:...)", v)
	}
	if o.Forget == nil {
		o.Forget = map[string]bool{}
	}
	o.Forget[urn] = true
	return nil
}

// checkRecovery checks the flags of repair and restore-state.
func (o *Options) checkRecovery() error {
	if (len(o.Adopt) > 0 || len(o.Forget) > 0) && o.Op != Repair {
		return fmt.Errorf("deploy %s: --adopt and --forget apply to repair", o.Op)
	}
	for urn := range o.Adopt {
		if o.Forget[urn] {
			return fmt.Errorf("deploy repair: --adopt and --forget both name %s: want one", urn)
		}
	}
	if o.From != "" && o.Op != RestoreState {
		return fmt.Errorf("deploy %s: --from applies to restore-state", o.Op)
	}
	if o.Op == RestoreState && len(o.Stacks) != 1 {
		return errors.New("deploy restore-state: name exactly one stack with --stack (the state of one stack is restored at a time)")
	}
	if o.Op == Repair || o.Op == RestoreState {
		if o.Refresh || o.ExpectNoChanges || o.Diff || o.JSONDir != "" {
			return fmt.Errorf("deploy %s: --refresh, --expect-no-changes, --diff and --json-dir apply to preview, up, refresh and destroy", o.Op)
		}
	}
	return nil
}
