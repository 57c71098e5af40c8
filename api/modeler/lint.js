'use strict';

/**
 * Lints BPMN documents with the project's bpmnlint config (bpmn/lint/.bpmnlintrc), the same
 * rules as `bash bpmn/lint/run.sh`, for the deploy check (api/modeler/checks.py).
 *
 * stdin:  {"files": [{"name": "x.bpmn", "xml": "..."}]}
 * stdout: {"results": [{"name": "x.bpmn", "problems": [{"id", "rule", "message", "category"}]}]}
 *
 * Plugins and the zeebe moddle extension resolve from bpmn/lint, whatever the working directory.
 */

const fs = require('node:fs');
const path = require('node:path');

const LINT_DIR = path.resolve(__dirname, '..', '..', 'bpmn', 'lint');
const { createScopedRequire } = require(path.join(LINT_DIR, 'node_modules', 'bpmnlint', 'lib', 'resolver', 'helper'));

const scopedRequire = createScopedRequire(LINT_DIR);
const { BpmnModdle } = scopedRequire('bpmn-moddle');
const { Linter } = scopedRequire('bpmnlint');
const NodeResolver = scopedRequire('bpmnlint/lib/resolver/node-resolver');

const CONFIG = JSON.parse(fs.readFileSync(path.join(LINT_DIR, '.bpmnlintrc'), 'utf8'));

function moddle() {
  const extensions = {};

  for (const [ prefix, module ] of Object.entries(CONFIG.moddleExtensions || {})) {
    extensions[prefix] = scopedRequire(module);
  }

  return new BpmnModdle(extensions);
}

async function lintOne({ name, xml }) {
  let rootElement;

  try {
    ({ rootElement } = await moddle().fromXML(xml));
  } catch (error) {
    return { name, problems: [ { id: null, rule: 'bpmn-import', message: error.message, category: 'error' } ] };
  }

  const linter = new Linter({
    config: { extends: CONFIG.extends },
    resolver: new NodeResolver({ require: scopedRequire })
  });
  const results = await linter.lint(rootElement);
  const problems = [];

  for (const [ rule, reports ] of Object.entries(results)) {
    for (const report of reports) {
      problems.push({ id: report.id || null, rule, message: report.message, category: report.category });
    }
  }

  return { name, problems };
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const results = [];

  for (const file of input.files) {
    results.push(await lintOne(file));
  }

  process.stdout.write(JSON.stringify({ results }));
}

main().catch(error => {
  process.stderr.write(String(error && error.stack || error));
  process.exit(1);
});
