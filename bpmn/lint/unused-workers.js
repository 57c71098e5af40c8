#!/usr/bin/env node
'use strict';

/**
 * Every job type a worker registers must be started by some model: a worker nothing calls is
 * dead code that still holds a gRPC poll open. Checks across files, so it is not a lint rule.
 *
 * Usage: node unused-workers.js [--registry registry.json] [DIR_OR_FILE ...]
 * Defaults: registry.json beside this script; bpmn/ and tests/fixtures/bpmn/ of the repository.
 */

const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');
const DEFAULT_REGISTRY = path.join(__dirname, 'registry.json');
const DEFAULT_SOURCES = [ path.join(REPO, 'bpmn'), path.join(REPO, 'tests', 'fixtures', 'bpmn') ];

// <zeebe:taskDefinition ... type="x">, whatever the namespace prefix and attribute order
const TASK_DEFINITION = /<(?:[\w.-]+:)?taskDefinition\b[^>]*?\stype\s*=\s*(["'])(.*?)\1/g;

function usedJobTypes(xml) {
  return [ ...xml.matchAll(TASK_DEFINITION) ].map(match => match[2]);
}

function bpmnFiles(source) {
  if (fs.statSync(source).isFile()) {
    return [ source ];
  }

  return fs.readdirSync(source)
    .filter(name => name.endsWith('.bpmn'))
    .sort()
    .map(name => path.join(source, name));
}

/**
 * @param { { jobTypes: object, usedOutsideBpmn?: string[] } } registry
 * @param { string[] } xmls
 * @return { { unused: string[], unknownExemptions: string[] } }
 */
function findUnused(registry, xmls) {
  const registered = Object.keys(registry.jobTypes || {});
  const exempt = new Set(registry.usedOutsideBpmn || []);
  const used = new Set(xmls.flatMap(usedJobTypes));

  return {
    unused: registered.filter(type => !used.has(type) && !exempt.has(type)).sort(),
    unknownExemptions: [ ...exempt ].filter(type => !registered.includes(type)).sort()
  };
}

function main(argv) {
  let registryPath = DEFAULT_REGISTRY;
  const sources = [];

  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--registry') {
      registryPath = argv[++i];
    } else {
      sources.push(argv[i]);
    }
  }

  const scanned = sources.length ? sources : DEFAULT_SOURCES;
  const files = scanned.flatMap(bpmnFiles);
  const where = scanned.map(source => path.relative(REPO, path.resolve(source)) || '.').join(', ');
  const registry = JSON.parse(fs.readFileSync(registryPath, 'utf8'));
  const { unused, unknownExemptions } = findUnused(
    registry, files.map(file => fs.readFileSync(file, 'utf8')));

  for (const type of unused) {
    console.error(
      `unused worker: job type <${ type }> is registered but no model in ${ where } uses it ` +
      '(use it in a model, remove the worker, or list it in USED_OUTSIDE_BPMN in workers/registry_export.py)'
    );
  }

  for (const type of unknownExemptions) {
    console.error(`unused worker: usedOutsideBpmn lists <${ type }>, which no worker registers`);
  }

  const total = Object.keys(registry.jobTypes || {}).length;
  const problems = unused.length + unknownExemptions.length;

  console.log(`unused-workers: ${ total } job types, ${ files.length } models, ${ problems } problems`);

  return problems ? 1 : 0;
}

module.exports = { findUnused, usedJobTypes };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
