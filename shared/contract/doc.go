// Package contract holds the outputs that one layer of the platform exports
// and the next layer reads. Each layer's outputs are one Go struct: the
// producer fills it and exports it, the consumer reads it back from a
// StackReference. Renaming or retyping a field therefore breaks the build of
// both sides instead of breaking a deploy.
//
// Every field carries a `pulumi:"name"` tag with its output name. The field
// types are limited to pulumi.StringOutput, pulumi.IntOutput and
// pulumi.StringArrayOutput, which is all the layers need.
package contract
