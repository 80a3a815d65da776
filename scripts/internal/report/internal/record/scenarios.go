package main

// scenario is one recorded preview: the stack is deployed from its
// committed file, then previewed after the edits to that file (a pull
// request's change) or after a change made to the double's "AWS" outside
// Pulumi (drift).
type scenario struct {
	project, stack, env string
	// edits replace text in the stack's file; each old string must occur
	// exactly once.
	edits []edit
	// drift is changed in the double's "AWS" before a refreshing preview.
	drift   *drift
	refresh bool
}

type edit struct{ old, new string }

// scenarios in the order they are recorded: grouped by environment, in
// promotion order, because each environment is deployed once for all its
// scenarios, and a drift scenario last in its environment.
func scenarios() []scenario {
	return []scenario{
		{
			// The platform team retags the network, keeps flow logs longer
			// and gives dev's application subnets a way out: updates and
			// creates, nothing destructive.
			project: "network", stack: "dev", env: "dev",
			edits: []edit{
				{"CostCenter: platform\n", "CostCenter: platform-shared\n"},
				{"network:flowLogRetentionDays: 30\n", "network:flowLogRetentionDays: 90\n"},
				{"network:natGateway: false\n", "network:natGateway: true\n"},
			},
		},
		{
			// The database is renamed, which RDS cannot do in place, and a
			// parameter changes.
			project: "database", stack: "orders-dev", env: "dev",
			edits: []edit{
				{"database:databaseName: orders\n", "database:databaseName: orders_app\n"},
				{"database:logMinDurationStatementMs: 500\n", "database:logMinDurationStatementMs: 250\n"},
			},
		},
		{
			// Nothing changes.
			project: "network", stack: "staging", env: "staging",
		},
		{
			// Someone shortened the backup retention and dropped a tag in
			// the console; a refreshing preview finds it and would undo it.
			project: "database", stack: "orders-staging", env: "staging",
			refresh: true,
			drift: &drift{
				typ:        "aws:rds/instance:Instance",
				set:        map[string]any{"backupRetentionPeriod": 1},
				removeTags: []string{"ManagedBy"},
			},
		},
		{
			// prod's NAT gateways are turned off: the public subnets they
			// sit in are deleted.
			project: "network", stack: "prod", env: "prod",
			edits: []edit{{"network:natGateway: true\n", "network:natGateway: false\n"}},
		},
		{
			// prod's Multi-AZ DB cluster behind its proxy, unchanged: the
			// preview carries the guardrail exception its stack file takes
			// (database:drOptOut), which every preview of it must show.
			project: "database", stack: "payments-prod", env: "prod",
		},
		{
			// A typo in the instance class: the program refuses the config
			// and the preview fails.
			project: "database", stack: "orders-prod", env: "prod",
			edits: []edit{{"database:instanceClass: db.r6g.xlarge\n", "database:instanceClass: r6g.xlarge\n"}},
		},
	}
}
