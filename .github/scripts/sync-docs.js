// Copies every role policy (.github/policies/<role>.json) into
// .github/WORKFLOWS.md, into the ```json block that follows its marker
// <!-- policy: <role>.json -->, so the document quotes each policy exactly.
// The workflow tests fail when a policy and its quote differ.
//
// Usage: node .github/scripts/sync-docs.js          rewrite WORKFLOWS.md
//        node .github/scripts/sync-docs.js --check  exit 1 when it would change
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const GH = path.join(__dirname, '..');
const DOC = path.join(GH, 'WORKFLOWS.md');
const MARKER = /<!-- policy: ([a-z0-9-]+\.json) -->\n(?:```json\n[\s\S]*?```\n)?/g;

function sync(doc, readPolicy) {
  const missing = [];
  const out = doc.replace(MARKER, (whole, file) => {
    const text = readPolicy(file);
    if (text === null) {
      missing.push(file);
      return whole;
    }
    return `<!-- policy: ${file} -->\n\`\`\`json\n${text.endsWith('\n') ? text : text + '\n'}\`\`\`\n`;
  });
  return { out, missing };
}

module.exports = { sync };

if (require.main === module) {
  const doc = fs.readFileSync(DOC, 'utf8');
  const { out, missing } = sync(doc, f => {
    const p = path.join(GH, 'policies', f);
    return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
  });
  for (const f of missing) console.error(`sync-docs: .github/policies/${f} does not exist yet`);
  if (process.argv.includes('--check')) {
    if (out !== doc) {
      console.error('sync-docs: WORKFLOWS.md does not quote the policies as they are; run node .github/scripts/sync-docs.js');
      process.exit(1);
    }
  } else if (out !== doc) {
    fs.writeFileSync(DOC, out);
    console.log('sync-docs: WORKFLOWS.md updated');
  }
}
