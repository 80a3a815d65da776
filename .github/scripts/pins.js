// unpinnedActions lists the `uses:` references of a workflow or action file
// that are neither local (./...) nor pinned to a full commit SHA. A tag such
// as @v5 can be moved by whoever controls the action's repository; a SHA
// cannot, and these workflows hold AWS deploy roles.
'use strict';

const USES = /^\s*(?:-\s*)?uses:\s*([^\s#]+)/;
const PINNED = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/;

function unpinnedActions(text) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    const m = USES.exec(line);
    if (!m) return;
    const ref = m[1].replace(/^['"]|['"]$/g, '');
    if (ref.startsWith('./') || PINNED.test(ref)) return;
    out.push({ line: i + 1, ref });
  });
  return out;
}

module.exports = unpinnedActions;
