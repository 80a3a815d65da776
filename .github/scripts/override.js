// Decides whether the override label allow-destructive-change counts for a
// pull request's head commit. The label counts only when it was added after
// that commit reached the pull request, so a push after the label (which
// may carry a different destructive change) needs the label again.
//
// When did the head commit reach the pull request? Commit dates are set by
// whoever makes the commit and prove nothing; the time GitHub created the
// first workflow run for that SHA from a pull_request event is set by
// GitHub when the push arrives. The label's time is the created_at of its
// last labeled/unlabeled event in the issue's events, also set by GitHub.
// The label counts when its last event is `labeled` and strictly later
// than the first pull_request run of the head SHA. No run found (or an
// unreadable event list) means no override: the check fails closed. The
// label must also come from someone other than the pull request's author
// (given as `author`): the override is a second person's decision.
//
// Used by .github/workflows/preview.yml (report job, for the pull request
// being checked) and .github/workflows/deploy-env.yml (for the pull request
// that merged the commit being deployed), through actions/github-script.
'use strict';

const LABEL = 'allow-destructive-change';

const time = s => {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`unreadable timestamp ${JSON.stringify(s)}`);
  return t;
};

// overrideFor reports whether the label counts for headSha of pull request
// `number`, and why.
async function overrideFor({ github, owner, repo, number, headSha, author }) {
  if (!/^[0-9a-f]{40}$/.test(headSha || '')) throw new Error(`head SHA ${JSON.stringify(headSha)}: want 40 hex digits`);
  const events = await github.paginate(github.rest.issues.listEvents, { owner, repo, issue_number: number, per_page: 100 });
  const labelEvents = events
    .filter(e => (e.event === 'labeled' || e.event === 'unlabeled') && e.label && e.label.name === LABEL)
    .sort((a, b) => time(a.created_at) - time(b.created_at) || a.id - b.id);
  const last = labelEvents[labelEvents.length - 1];
  if (!last || last.event !== 'labeled') {
    return { allow: false, reason: `pull request #${number} does not carry the label ${LABEL}` };
  }
  const runs = await github.paginate(github.rest.actions.listWorkflowRunsForRepo, { owner, repo, head_sha: headSha, event: 'pull_request', per_page: 100 });
  const mine = runs.filter(r => r.head_sha === headSha && r.event === 'pull_request');
  if (mine.length === 0) {
    return { allow: false, reason: `no pull_request run of ${headSha} found: cannot tell when it was pushed` };
  }
  const pushedAt = Math.min(...mine.map(r => time(r.created_at)));
  const labeledAt = time(last.created_at);
  const labeler = last.actor && last.actor.login;
  const who = labeler ? ` by ${labeler}` : '';
  if (!author) throw new Error('the pull request\'s author is required: the label must come from someone else');
  if (!labeler || labeler === author) {
    return { allow: false, reason: `the label ${LABEL} was added by the pull request's author (${author}) or by no one known: it needs someone else` };
  }
  if (labeledAt <= pushedAt) {
    return {
      allow: false,
      reason: `the label ${LABEL} was added${who} at ${new Date(labeledAt).toISOString()}, before ${headSha.slice(0, 12)} reached the pull request (${new Date(pushedAt).toISOString()}): add it again for this commit`,
    };
  }
  return {
    allow: true,
    reason: `the label ${LABEL} was added${who} at ${new Date(labeledAt).toISOString()}, after ${headSha.slice(0, 12)} reached the pull request (${new Date(pushedAt).toISOString()})`,
  };
}

// overrideForMergedCommit finds the pull request that merged `sha` and
// reports whether its override counts for the head commit it was merged at.
async function overrideForMergedCommit({ github, owner, repo, sha }) {
  const { data: pulls } = await github.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha });
  const merged = pulls.filter(p => p.merged_at && p.merge_commit_sha === sha);
  if (merged.length !== 1) {
    return { allow: false, reason: `no single pull request merged as ${sha} (found ${merged.length}): destructive changes are not approved` };
  }
  const pr = merged[0];
  const r = await overrideFor({ github, owner, repo, number: pr.number, headSha: pr.head.sha, author: pr.user && pr.user.login });
  return { ...r, number: pr.number, headSha: pr.head.sha };
}

// REPORT_MARKER starts the preview report comment (scripts/internal/report's Marker).
const REPORT_MARKER = '<!-- pgplatform:preview-report -->';

// approvedReport returns the body of the preview report comment that the
// workflow's bot wrote on pull request `number`, or '' when there is none.
// The deploy gate reads the destructive changes that report showed (its
// hidden list) and lets through only those: a change the pull request
// did not show is not covered by its override. Only the bot's comment
// counts: a person can quote a report, but not write the bot's comment.
async function approvedReport({ github, owner, repo, number }) {
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
  const mine = comments
    .filter(c => c.user && c.user.type === 'Bot' && typeof c.body === 'string' && c.body.startsWith(REPORT_MARKER))
    .sort((a, b) => a.id - b.id);
  return mine.length ? mine[0].body : '';
}

module.exports = { LABEL, overrideFor, overrideForMergedCommit, approvedReport };
