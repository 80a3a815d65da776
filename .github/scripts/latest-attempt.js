// Keeps, for each stack, only the preview artifact of the run's latest
// attempt. Preview artifacts are named preview-<project>-<stack>-<attempt>;
// after "re-run failed jobs" a run holds the first attempt's artifacts of
// the jobs that passed and both attempts' artifacts of the jobs re-run, and
// a stale failed attempt must not be read as the stack's preview.
//
// Usage (preview.yml, report job): node .github/scripts/latest-attempt.js previews
'use strict';

const fs = require('node:fs');
const path = require('node:path');

// superseded returns the artifact folder names that a later attempt of the
// same stack replaces. Names that do not end in -<attempt> are an error.
function superseded(names) {
  const latest = new Map();
  for (const n of names) {
    const m = /^(preview-.+)-([1-9][0-9]*)$/.exec(n);
    if (!m) throw new Error(`artifact ${JSON.stringify(n)}: want preview-<project>-<stack>-<attempt>`);
    const [, stack, attempt] = m;
    const cur = latest.get(stack);
    if (!cur || Number(attempt) > cur.attempt) latest.set(stack, { attempt: Number(attempt), name: n });
  }
  const keep = new Set([...latest.values()].map(v => v.name));
  return names.filter(n => !keep.has(n)).sort();
}

module.exports = { superseded };

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: latest-attempt.js DIR');
    process.exit(1);
  }
  if (!fs.existsSync(dir)) process.exit(0);
  const names = fs.readdirSync(dir, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name);
  for (const n of superseded(names)) {
    console.log(`dropping ${n}: a later attempt previewed the same stack`);
    fs.rmSync(path.join(dir, n), { recursive: true });
  }
}
