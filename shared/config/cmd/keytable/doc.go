// Command keytable writes the README's table of the database keys from
// config.DatabaseKeyTable, between its markers:
//
//	go generate ./shared/config
//	go run ./shared/config/cmd/keytable README.md
package main
