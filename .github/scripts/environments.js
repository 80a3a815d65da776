// The environments the workflows deploy, verify, drill and check, read from
// the data that defines them: the committed network stack files,
// environments/network/Pulumi.<env>.yaml (every environment has exactly one
// primary network, named after it). A recovery network (a file that sets
// network:recoveryOf, e.g. Pulumi.prod-dr.yaml in another region) belongs to
// its environment and adds none: `deploy --env <env>` deploys it with the
// environment's other stacks. No workflow lists environments itself (a workflow test fails if
// one does), so adding an environment is adding its stack files and its
// GitHub environments (.github/WORKFLOWS.md, "Adding an environment").
//
// Promotion order is the deploy tool's (shared/stacks Environments): dev,
// staging, prod, then any other environment by name. An environment of any
// other name is held to the prod tier (config.EnvironmentFloor), so it
// promotes after prod.
//
// Usage (in a workflow's first job):
//   node .github/scripts/environments.js promotion
//       prints, for $GITHUB_OUTPUT, list=<JSON array in promotion order> and
//       env1..env<POSITIONS>=<name or empty>, the environment of each
//       position of deploy.yml's chain; fails when there are more
//       environments than positions
//   node .github/scripts/environments.js check <environment> [<database stack>]
//       fails with one ::error:: line unless <environment> is committed (and
//       <database stack> is a committed database stack of it)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { parseYAML } = require('./yaml.js');

const ROOT = path.join(__dirname, '..', '..');

// POSITIONS is the number of chained position jobs in deploy.yml (env1 ...);
// a workflow test holds the two equal.
const POSITIONS = 5;

// The environment names the config loader accepts (shared/config
// common.go): a lowercase name of 1-12 letters and digits starting with a
// letter. They are safe in concurrency groups, environment names and shell.
const NAME = /^[a-z][a-z0-9]{0,11}$/;
const RECOVERY_OF = 'network:recoveryOf';
const RANK = { dev: 0, staging: 1, prod: 2 };

function readConfig(file) {
  const doc = parseYAML(fs.readFileSync(file, 'utf8'));
  return (doc && doc.config) || {};
}

// list returns the committed environments in promotion order, each with its
// tier and network stack file (relative to root).
function list(root = ROOT) {
  const dir = path.join(root, 'environments', 'network');
  const files = fs.readdirSync(dir).filter(f => /^Pulumi\.[^.]+\.yaml$/.test(f)).sort();
  const out = [];
  const recovery = [];
  for (const f of files) {
    const rel = path.posix.join('environments', 'network', f);
    const stack = f.slice('Pulumi.'.length, -'.yaml'.length);
    const cfg = readConfig(path.join(dir, f));
    const name = cfg['network:environment'];
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new Error(`${rel}: network:environment = ${JSON.stringify(name)} is not allowed: want a lowercase name of 1-12 letters and digits starting with a letter`);
    }
    const of = cfg[RECOVERY_OF];
    if (of !== undefined && of !== null && of !== '') {
      // A recovery network: the config loader holds recoveryOf to the
      // stack's own environment, the stack catalog (shared/stacks) to a
      // primary network in another region.
      if (of !== name) {
        throw new Error(`${rel}: ${RECOVERY_OF} = ${JSON.stringify(of)} is not allowed: want "${name}", the stack's own environment (a recovery network belongs to the environment it recovers)`);
      }
      recovery.push({ name, file: rel });
      continue;
    }
    if (name !== stack) {
      throw new Error(`${rel}: network:environment = "${name}" is not allowed: want "${stack}", the stack's name (one network stack per environment, named after it)`);
    }
    out.push({ name, tier: String(cfg['network:tier'] || ''), file: rel });
  }
  if (out.length === 0) throw new Error(`no network stack files in ${path.relative(root, dir) || dir}: want environments/network/Pulumi.<env>.yaml, one per environment`);
  for (const r of recovery) {
    if (!out.some(e => e.name === r.name)) {
      throw new Error(`${r.file}: ${RECOVERY_OF} = "${r.name}" is not allowed: environment "${r.name}" has no primary network environments/network/Pulumi.${r.name}.yaml (a recovery network stands in for its environment's primary network in another region)`);
    }
  }
  return order(out);
}

// order sorts environments as shared/stacks Environments does.
function order(envs) {
  return [...envs].sort((a, b) => {
    const ra = RANK[a.name], rb = RANK[b.name];
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if ((ra !== undefined) !== (rb !== undefined)) return ra !== undefined ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

// promotion returns the lines for $GITHUB_OUTPUT.
function promotion(envs, positions = POSITIONS) {
  const names = envs.map(e => e.name);
  if (names.length > positions) {
    throw new Error(`${names.length} environments (${names.join(', ')}) but deploy.yml chains ${positions} positions: add a position job env${positions + 1} to deploy.yml and raise POSITIONS in .github/scripts/environments.js`);
  }
  const lines = [`list=${JSON.stringify(names)}`];
  for (let i = 0; i < positions; i++) lines.push(`env${i + 1}=${names[i] || ''}`);
  return lines;
}

// check returns the problem with an environment (and database stack) given
// to a workflow by hand, or null.
function check(envs, environment, stack, root = ROOT) {
  const names = envs.map(e => e.name);
  if (!names.includes(environment)) {
    return `environment ${JSON.stringify(environment)} is not allowed: want one of ${names.join(', ')} (the network stack files in environments/network/)`;
  }
  if (stack === undefined) return null;
  const rel = path.posix.join('environments', 'database', `Pulumi.${stack}.yaml`);
  if (!/^[a-z][a-z0-9-]*$/.test(stack) || !fs.existsSync(path.join(root, rel))) {
    return `stack ${JSON.stringify(stack)} is not allowed: want a database stack with a committed file ${path.posix.join('environments', 'database', 'Pulumi.<stack>.yaml')}`;
  }
  const env = readConfig(path.join(root, rel))['database:environment'];
  if (env !== environment) {
    return `stack ${JSON.stringify(stack)} is not allowed in environment ${JSON.stringify(environment)}: ${rel} is in environment ${JSON.stringify(env)}`;
  }
  return null;
}

module.exports = { list, order, promotion, check, POSITIONS };

if (require.main === module) {
  const [cmd, ...args] = process.argv.slice(2);
  try {
    const envs = list();
    if (cmd === 'promotion' && args.length === 0) {
      for (const l of promotion(envs)) console.log(l);
    } else if (cmd === 'check' && (args.length === 1 || args.length === 2)) {
      const problem = check(envs, args[0], args[1]);
      if (problem) {
        console.log(`::error::${problem}`);
        process.exit(1);
      }
      console.log(args.length === 2 ? `${args[1]} is a database stack of ${args[0]}` : `${args[0]} is an environment`);
    } else {
      console.error('usage: environments.js promotion | check <environment> [<database stack>]');
      process.exit(2);
    }
  } catch (err) {
    console.log(`::error::${err.message}`);
    process.exit(1);
  }
}
