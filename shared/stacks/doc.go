// Package stacks is the catalog of the platform's stacks: the environment
// files committed under environments/, which project each belongs to, and
// which environment and tier each states. The deploy tool, the affected-stack
// logic, the operational tools and the tests all list stacks through it.
package stacks
