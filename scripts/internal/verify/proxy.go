package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// The checks of a stack's RDS Proxy, after its database's.
const (
	// CheckProxy: the proxy is available, requires TLS and IAM
	// authentication, and logs in with the stack's master secret.
	CheckProxy = "proxy"
	// CheckProxyTargets: the default target group's targets are the
	// stack's database and are healthy.
	CheckProxyTargets = "proxy-targets"
	// CheckProxyConnect: select 1 through the proxy endpoint over TLS
	// verify-full with an IAM token.
	CheckProxyConnect = "proxy-connect"
)

// ProxyChecks lists the proxy's checks in order.
var ProxyChecks = []string{CheckProxy, CheckProxyTargets, CheckProxyConnect}

// ProxyPort is the port a PostgreSQL RDS Proxy listens on: the engine
// family's default, whatever the database's port (RDS Proxy limitations,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html#rds-proxy.limitations,
// as aws/aws-cdk#28321 found for MySQL's 3306).
const ProxyPort = 5432

// hasProxy reports whether the stack has an RDS Proxy: its outputs name
// one, or its spec declares one (then a missing output fails the outputs
// check).
func hasProxy(out stackout.Database, exp Expect) bool {
	return out.ProxyEndpoint != "" || exp.Proxy.Enabled
}

// proxyView is the stack's proxy as DescribeDBProxies reports it, or why
// it could not be found.
type proxyView struct {
	proxy rdstypes.DBProxy
	err   error
	// missing: the API answered, and no proxy has the endpoint.
	missing bool
}

func (p *proxyView) name() string {
	if p == nil || p.err != nil {
		return ""
	}
	return deref(p.proxy.DBProxyName)
}

// describeProxy finds the proxy whose endpoint is the proxyEndpoint
// output: the outputs name the endpoint, and DescribeDBProxies lists every
// proxy of the region, page by page
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBProxies.html).
func describeProxy(ctx context.Context, api RDS, out stackout.Database) *proxyView {
	if out.ProxyEndpoint == "" {
		return &proxyView{err: fmt.Errorf("the proxyEndpoint output is empty"), missing: true}
	}
	var marker *string
	for range maxPages {
		res, err := api.DescribeDBProxies(ctx, &rds.DescribeDBProxiesInput{Marker: marker})
		if err != nil {
			return &proxyView{err: fmt.Errorf("describe RDS proxies: %w", err)}
		}
		for _, p := range res.DBProxies {
			if deref(p.Endpoint) == out.ProxyEndpoint {
				return &proxyView{proxy: p}
			}
		}
		if deref(res.Marker) == "" {
			return &proxyView{err: fmt.Errorf("no RDS Proxy in the region has the endpoint %s (the stack's proxyEndpoint output): deleted outside Pulumi, or the outputs are stale", out.ProxyEndpoint), missing: true}
		}
		marker = res.Marker
	}
	return &proxyView{err: fmt.Errorf("describe RDS proxies: more than %d pages", maxPages)}
}

func (v *Verifier) proxyChecks(ctx context.Context, api RDS, px *proxyView, out stackout.Database, exp Expect, r *results) {
	res := checkProxy(px, out, exp)
	r.add(res)
	if px.err != nil {
		r.rest("the proxy could not be read")
		return
	}
	r.add(checkProxyTargets(ctx, api, px.proxy, out))
	r.add(v.checkProxyConnect(ctx, px.proxy, out, exp))
}

// checkProxy holds the proxy to the guardrails: status available
// (DBProxyStatus,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBProxy.html),
// RequireTLS, the PostgreSQL engine family, and auth entries that each
// require IAM authentication from clients (IAMAuth REQUIRED,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_UserAuthConfigInfo.html)
// and log in with the stack's master secret.
func checkProxy(px *proxyView, out stackout.Database, exp Expect) check.Result {
	switch {
	case px.err != nil && px.missing:
		return check.Failf(CheckProxy, "%v", px.err)
	case px.err != nil:
		return check.Unknownf(CheckProxy, "%v", px.err)
	}
	p := px.proxy
	name := deref(p.DBProxyName)
	var bad []string
	if p.Status != rdstypes.DBProxyStatusAvailable {
		bad = append(bad, fmt.Sprintf("status is %s, want available", orNone(string(p.Status))))
	}
	if !deref(p.RequireTLS) {
		bad = append(bad, "RequireTLS is off: clients may connect without TLS")
	}
	if f := deref(p.EngineFamily); f != "POSTGRESQL" {
		bad = append(bad, fmt.Sprintf("engine family %s, want POSTGRESQL", orNone(f)))
	}
	wantIAM := exp.Proxy.IAMAuth
	if wantIAM == "" {
		wantIAM = string(rdstypes.IAMAuthModeRequired)
	}
	if len(p.Auth) == 0 {
		bad = append(bad, "no auth entry: the proxy holds no secret to log in with")
	}
	for i, a := range p.Auth {
		if string(a.IAMAuth) != wantIAM {
			bad = append(bad, fmt.Sprintf("auth entry %d has IAMAuth %s, want %s (clients authenticate with IAM)", i+1, orNone(string(a.IAMAuth)), wantIAM))
		}
		if got := deref(a.SecretArn); got != out.MasterSecretArn {
			bad = append(bad, fmt.Sprintf("auth entry %d uses secret %s, not the stack's master secret %s", i+1, orNone(got), out.MasterSecretArn))
		}
	}
	if deref(p.DebugLogging) && !exp.Proxy.DebugLogging {
		bad = append(bad, "debug logging is on (it logs SQL text), the stack's spec turns it off")
	}
	if want := exp.Proxy.IdleClientTimeoutSeconds; want > 0 && int(deref(p.IdleClientTimeout)) != want {
		bad = append(bad, fmt.Sprintf("idle client timeout %d s, the stack's spec sets %d", deref(p.IdleClientTimeout), want))
	}
	if len(bad) > 0 {
		return check.Failf(CheckProxy, "%s: %s", name, strings.Join(bad, "; "))
	}
	return check.Passf(CheckProxy, "%s is available, requires TLS and IAM authentication (%s), logs in with the stack's master secret", name, wantIAM)
}

// checkProxyTargets reads the default target group's targets
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBProxyTargets.html):
// they must be the stack's database (the instance, or the cluster and its
// members), one must take writes (Role READ_WRITE), and every instance
// target's health must be AVAILABLE
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_TargetHealth.html).
func checkProxyTargets(ctx context.Context, api RDS, p rdstypes.DBProxy, out stackout.Database) check.Result {
	name := deref(p.DBProxyName)
	var targets []rdstypes.DBProxyTarget
	var marker *string
	for page := 0; ; page++ {
		if page == maxPages {
			return check.Unknownf(CheckProxyTargets, "describe the targets of %s: more than %d pages", name, maxPages)
		}
		res, err := api.DescribeDBProxyTargets(ctx, &rds.DescribeDBProxyTargetsInput{DBProxyName: &name, TargetGroupName: new("default"), Marker: marker})
		if err != nil {
			return check.Unknownf(CheckProxyTargets, "describe the targets of %s: %v", name, err)
		}
		targets = append(targets, res.Targets...)
		if deref(res.Marker) == "" {
			break
		}
		marker = res.Marker
	}
	want := out.InstanceIdentifier
	if isCluster(out) {
		want = out.ClusterIdentifier
	}
	var bad, healthy []string
	ours, writer := false, false
	for _, t := range targets {
		id := deref(t.RdsResourceId)
		if id == want || deref(t.TrackedClusterId) == want {
			ours = true
		} else {
			bad = append(bad, fmt.Sprintf("target %s is not the stack's database %s", orNone(id), want))
		}
		if t.Type == rdstypes.TargetTypeTrackedCluster {
			continue
		}
		if t.Role == rdstypes.TargetRoleReadWrite {
			writer = true
		}
		state := ""
		if t.TargetHealth != nil {
			state = string(t.TargetHealth.State)
		}
		if state != string(rdstypes.TargetStateAvailable) {
			why := ""
			if h := t.TargetHealth; h != nil && (h.Reason != "" || deref(h.Description) != "") {
				why = fmt.Sprintf(" (%s: %s)", h.Reason, deref(h.Description))
			}
			bad = append(bad, fmt.Sprintf("target %s (%s) is %s%s, want AVAILABLE", id, t.Role, orNone(state), why))
			continue
		}
		healthy = append(healthy, fmt.Sprintf("%s (%s)", id, t.Role))
	}
	if !ours {
		bad = append(bad, fmt.Sprintf("no target is the stack's database %s", want))
	}
	if !writer {
		bad = append(bad, "no target takes writes (Role READ_WRITE)")
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		return check.Failf(CheckProxyTargets, "%s: %s", name, strings.Join(slices.Compact(bad), "; "))
	}
	return check.Passf(CheckProxyTargets, "%s routes to %s: %s AVAILABLE", name, want, strings.Join(healthy, ", "))
}

// checkProxyConnect proves the client side of the proxy: a TLS verify-full
// handshake with its endpoint and a PostgreSQL authentication request for
// verify's login role, without logging in (PGPinger.handshake says why: a
// session through the proxy would be the master user's, and verify's
// identity may connect only as pgplatform_verify, directly).
func (v *Verifier) checkProxyConnect(ctx context.Context, p rdstypes.DBProxy, out stackout.Database, exp Expect) check.Result {
	switch {
	case p.Status != rdstypes.DBProxyStatusAvailable:
		return check.Unknownf(CheckProxyConnect, "not tried: the proxy is %s", orNone(string(p.Status)))
	case v.DB == nil:
		return check.Unknownf(CheckProxyConnect, "not tried: no database connector configured")
	}
	ep := Endpoint{Region: exp.Region, Host: out.ProxyEndpoint, Port: ProxyPort, Database: out.DatabaseName, User: LoginRole, Proxy: true}
	if err := v.DB.Ping(ctx, ep); err != nil {
		return check.Failf(CheckProxyConnect, "TLS verify-full handshake with the proxy %s:%d: %v", ep.Host, ep.Port, err)
	}
	return check.Passf(CheckProxyConnect, "the proxy %s:%d completes a TLS verify-full handshake and asks %s to authenticate (verify does not log in through it)", ep.Host, ep.Port, ep.User)
}
