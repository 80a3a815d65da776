// Keeps one issue per drifting stack: opens it the first time the stack
// drifts, edits its body in place on later nights, and closes it with a
// comment once the stack is back in line. The issue is found by a hidden
// per-stack marker in its body and the label "drift".
//
// Used by .github/workflows/drift.yml through actions/github-script:
//   await require('./.github/scripts/drift-issue.js')({ github, context, core, target, drifting, report })
'use strict';

const LABEL = 'drift';

async function ensureLabel(github, owner, repo) {
  try {
    await github.rest.issues.getLabel({ owner, repo, name: LABEL });
  } catch (e) {
    if (e.status !== 404) throw e;
    try {
      await github.rest.issues.createLabel({ owner, repo, name: LABEL, color: 'd93f0b', description: 'A stack differs from its program (drift.yml)' });
    } catch (e2) {
      // Another stack's job created it first.
      if (e2.status !== 422) throw e2;
    }
  }
}

module.exports = async function syncDriftIssue({ github, context, core, target, drifting, report, today }) {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(target)) {
    throw new Error(`target ${JSON.stringify(target)}: want <project>/<stack>`);
  }
  const marker = `<!-- pgplatform:drift ${target} -->`;
  const { owner, repo } = context.repo;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: 'open', labels: LABEL, per_page: 100 });
  const issue = open.find(i => !i.pull_request && typeof i.body === 'string' && i.body.includes(marker));
  const day = today || new Date().toISOString().slice(0, 10);
  if (!drifting) {
    if (!issue) return { action: 'none' };
    await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `No drift in the check of ${day}: closing.` });
    await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
    core.info(`closed #${issue.number}`);
    return { action: 'closed', number: issue.number };
  }
  const body = `${marker}\n${report}\n\nLast checked ${day}. Run \`deploy up\` for the stack to put the program's values back, or change the program to adopt what is running.\n`;
  if (issue) {
    await github.rest.issues.update({ owner, repo, issue_number: issue.number, body });
    core.info(`updated #${issue.number}`);
    return { action: 'updated', number: issue.number };
  }
  await ensureLabel(github, owner, repo);
  const { data } = await github.rest.issues.create({ owner, repo, title: `Drift: ${target}`, body, labels: [LABEL] });
  core.info(`opened #${data.number}`);
  return { action: 'opened', number: data.number };
};
