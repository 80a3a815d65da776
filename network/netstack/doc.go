// Package netstack is the network program: the VPC of one environment, its
// isolated database subnets and its application subnets across availability
// zones, flow logs, and the outputs every database stack reads.
package netstack
