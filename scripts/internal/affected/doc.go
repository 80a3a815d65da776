// Package affected decides which stacks a pull request must preview, from
// the files it changes:
//
//   - shared/, scripts/, tools/, go.work, go.work.sum: every stack (shared
//     code, the deploy tool and the pinned CLI run every program);
//   - network/: every network stack; database/: every database stack;
//   - environments/<project>/Pulumi.<stack>.yaml: that stack, or nothing
//     when the file was deleted (the stack is no longer in the catalog);
//     any other file under environments/<project>/: every stack of the
//     project;
//   - documentation (*.md, docs/), Go tests (*_test.go, testdata/), the
//     workflows (.github/), the CI script (.ci/), e2e/, Makefile, LICENSE
//     and dotfiles at the root: nothing;
//   - any other path: every stack, since a file the rules do not know may
//     change what deploys, and a needless preview is cheaper than a missed
//     one.
package affected
