package deploy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
)

// checkStorage refuses, before anything runs, a database stack whose
// database:allocatedStorageGb is below the size its instance runs on.
// RDS cannot shrink storage: ModifyDBInstance takes an AllocatedStorage
// at least 10% above the current one (RDS API Reference,
// ModifyDBInstance), and the RDS User Guide ("Increasing DB instance
// storage capacity") offers no decrease. With autoscaling on, the
// provider also suppresses a smaller value as autoscaling growth
// (allocated_storage's DiffSuppressFunc), so without this check the
// smaller size would silently do nothing.
//
// The running size is the instance's allocatedStorage as the stack's
// state last read it (an up or a refresh); a stack not yet on the backend
// has nothing to compare.
func (r *Runner) checkStorage(ctx context.Context, plan Plan) error {
	if plan.Op != Up && plan.Op != Preview {
		return nil
	}
	var inv map[string]int
	for _, st := range plan.Stacks {
		if st.Project != contract.DatabaseProject {
			continue
		}
		cfg, err := config.LoadDatabase(config.MapSource(st.Project, st.Config))
		if err != nil {
			// CheckConfig refuses it with the full message.
			continue
		}
		if inv == nil {
			if inv, err = r.Engine.Inventory(ctx, contract.DatabaseProject); err != nil {
				return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: fmt.Errorf("read the running storage: %w", err)}
			}
		}
		if inv[st.Name] == 0 {
			continue
		}
		dep, err := r.Engine.Export(ctx, st.Project, st.Name)
		if err != nil {
			return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: fmt.Errorf("read the running storage: %w", err)}
		}
		running, ok, err := RunningStorage(dep)
		if err != nil {
			return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: fmt.Errorf("read the running storage: %w", err)}
		}
		if ok && cfg.AllocatedStorageGb < running {
			return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: &RefusalError{Op: plan.Op, Reason: fmt.Sprintf(
				"config database:allocatedStorageGb = %d is below the %d GiB the instance runs on (grown by storage autoscaling or an earlier change): RDS cannot shrink storage; allowed: %d or more",
				cfg.AllocatedStorageGb, running, running)}}
		}
	}
	return nil
}

// RunningStorage reads the allocated storage of the stack's RDS instance
// from an exported deployment; ok is false when the stack has no instance.
func RunningStorage(deployment json.RawMessage) (gb int, ok bool, err error) {
	if len(deployment) == 0 {
		return 0, false, nil
	}
	var d struct {
		Resources []struct {
			Type    string         `json:"type"`
			Outputs map[string]any `json:"outputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(deployment, &d); err != nil {
		return 0, false, fmt.Errorf("read the exported deployment: %w", err)
	}
	for _, res := range d.Resources {
		if res.Type != rdsInstanceType {
			continue
		}
		v, found := res.Outputs["allocatedStorage"].(float64)
		if !found {
			return 0, false, fmt.Errorf("the RDS instance in the state has no allocatedStorage")
		}
		return int(v), true, nil
	}
	return 0, false, nil
}
