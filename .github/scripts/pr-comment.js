// Creates or edits the one pull-request comment that carries the preview
// report, found by the hidden marker on the report's first line. Only the
// workflow's single report job calls it, once per run, so parallel preview
// jobs never race for the comment.
//
// Given headSha (the commit the report is about), it first reads the pull
// request's current head and writes nothing when a newer push has arrived:
// a run that is being superseded must not overwrite the newer run's report.
//
// Used by .github/workflows/preview.yml through actions/github-script:
//   await require('./.github/scripts/pr-comment.js')({ github, context, core, body, headSha })
'use strict';

module.exports = async function upsertReportComment({ github, context, core, body, headSha }) {
  const marker = body.split('\n', 1)[0];
  if (!/^<!--.*-->$/.test(marker)) {
    throw new Error(`the report does not start with its hidden marker; first line: ${marker}`);
  }
  const { owner, repo } = context.repo;
  const issue_number = context.payload.pull_request.number;
  if (headSha !== undefined) {
    const { data: pr } = await github.rest.pulls.get({ owner, repo, pull_number: issue_number });
    if (pr.head.sha !== headSha) {
      core.info(`the pull request's head is now ${pr.head.sha}, not ${headSha}: leaving the comment to the newer run`);
      return { action: 'skipped', head: pr.head.sha };
    }
  }
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  // Only comments the workflow's bot wrote: a person quoting the report
  // (marker included) must not have their comment overwritten.
  const mine = comments.filter(c => c.user && c.user.type === 'Bot' && typeof c.body === 'string' && c.body.startsWith(marker));
  if (mine.length === 0) {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
    core.info(`created ${data.html_url}`);
    return { action: 'created', id: data.id };
  }
  mine.sort((a, b) => a.id - b.id);
  const [keep, ...extra] = mine;
  const { data } = await github.rest.issues.updateComment({ owner, repo, comment_id: keep.id, body });
  core.info(`edited ${data.html_url}`);
  // Duplicates (left by an older workflow) would show stale plans.
  for (const c of extra) {
    await github.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
    core.info(`deleted duplicate comment ${c.id}`);
  }
  return { action: 'edited', id: keep.id, deleted: extra.map(c => c.id) };
};
