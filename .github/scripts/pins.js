// unpinnedActions lists the `uses:` references of a workflow or action file
// that are neither local (./...) nor pinned to a full commit SHA. A tag such
// as @v5 can be moved by whoever controls the action's repository; a SHA
// cannot, and these workflows hold AWS deploy roles.
//
// pinProblems also checks each pin against the table of verified runtimes
// (.github/action-runtimes.json): a pin missing from the table, one whose
// action runs on a retired runtime (node20 and older), and one whose
// release comment differs from the table's release are refused.
'use strict';

const USES = /^\s*(?:-\s*)?uses:\s*([^\s#]+)(?:\s+#\s*(\S+))?/;
const PINNED = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/;

function usesOf(text) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    const m = USES.exec(line);
    if (!m) return;
    out.push({ line: i + 1, ref: m[1].replace(/^['"]|['"]$/g, ''), comment: m[2] || '' });
  });
  return out;
}

function unpinnedActions(text) {
  return usesOf(text)
    .filter(u => !u.ref.startsWith('./') && !PINNED.test(u.ref))
    .map(({ line, ref }) => ({ line, ref }));
}

function pinProblems(text, table) {
  const retired = new Set(table.retired);
  const out = [];
  for (const u of usesOf(text)) {
    if (u.ref.startsWith('./') || !PINNED.test(u.ref)) continue;
    const known = table.pins[u.ref];
    if (!known) {
      out.push({ line: u.line, ref: u.ref, problem: 'not in .github/action-runtimes.json: read its action.yml at that commit and add its release and runs.using' });
    } else if (retired.has(known.using)) {
      out.push({ line: u.line, ref: u.ref, problem: `runs on ${known.using}, a retired runtime (release ${known.release})` });
    } else if (u.comment !== known.release) {
      out.push({ line: u.line, ref: u.ref, problem: `release comment "${u.comment}" but the commit is ${known.release}` });
    }
  }
  return out;
}

module.exports = unpinnedActions;
module.exports.unpinnedActions = unpinnedActions;
module.exports.pinProblems = pinProblems;
module.exports.usesOf = usesOf;
