// Package tags builds the tags every taggable resource of the platform
// carries, from one place, so no resource can be declared with a partial set.
package tags
