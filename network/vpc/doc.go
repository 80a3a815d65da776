// Package vpc is the network component: an environment's VPC with its
// isolated database subnets, application subnets (and, with NAT, public
// subnets and NAT gateways), route tables, the managed default security
// group and flow logs, declared from a Layout whose plan the guardrails
// check before any child is declared. Package netstack is the program that
// loads the stack's config, resolves the zones and turns both into the
// component's own inputs (LayoutInputs, NetworkArgs) before declaring it;
// the component reads no config.
//
// The component's type token (ComponentType) and its children's names are
// part of the URNs of deployed resources: changing either replaces live
// resources.
package vpc
