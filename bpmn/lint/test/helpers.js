'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { BpmnModdle } = require('bpmn-moddle');
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');
const { createScopedRequire } = require('bpmnlint/lib/resolver/helper');

const LINT_DIR = path.resolve(__dirname, '..');
const FIXTURES = path.resolve(LINT_DIR, '..', '..', 'tests', 'fixtures', 'lint');
const CONFIG = JSON.parse(fs.readFileSync(path.join(LINT_DIR, '.bpmnlintrc'), 'utf8'));

const scopedRequire = createScopedRequire(LINT_DIR);

/** Plugins and moddle extensions resolve from bpmn/lint, whatever the working directory. */
function resolver() {
  return new NodeResolver({ require: scopedRequire });
}

function moddle({ zeebe = true } = {}) {
  const extensions = {};

  if (zeebe) {
    for (const [ prefix, module ] of Object.entries(CONFIG.moddleExtensions)) {
      extensions[prefix] = scopedRequire(module);
    }
  }

  return new BpmnModdle(extensions);
}

/**
 * Lints a fixture of tests/fixtures/lint and returns `{ ruleName: [ { id, message } ] }`.
 * Without `rules`, the whole .bpmnlintrc applies.
 */
async function lintFixture(name, { rules, zeebe = true } = {}) {
  const xml = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  const { rootElement, warnings } = await moddle({ zeebe }).fromXML(xml);

  if (warnings.length) {
    throw new Error(`${ name } imports with warnings: ${ warnings.map(w => w.message).join('; ') }`);
  }

  const config = rules ? { rules } : { extends: CONFIG.extends };
  const results = await new Linter({ config, resolver: resolver() }).lint(rootElement);

  return Object.fromEntries(
    Object.entries(results).map(([ rule, reports ]) => [
      rule,
      reports.map(({ id, message, category }) => ({ id, message, category }))
    ])
  );
}

/** The reports of the given rule as sorted `[ id ]`, and every rule name that reported. */
function idsOf(results, rule) {
  return (results[rule] || []).map(report => report.id).sort();
}

module.exports = {
  FIXTURES,
  LINT_DIR,
  idsOf,
  lintFixture
};
