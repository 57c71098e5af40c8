'use strict';

const fs = require('node:fs');
const path = require('node:path');

const REGISTRY_PATH = path.resolve(__dirname, '..', '..', 'registry.json');

/**
 * The job types and deadline rules exported from the Python workers and rule catalogue
 * (`python -m workers.registry_export --write`).
 */
function loadRegistry() {
  const registry = JSON.parse(fs.readFileSync(REGISTRY_PATH, 'utf8'));

  return {
    jobTypes: new Set(Object.keys(registry.jobTypes || {})),
    deadlineRules: new Set(registry.deadlineRules || [])
  };
}

function is(node, type) {
  return typeof node.$instanceOf === 'function' && node.$instanceOf(type);
}

function extensionValues(node, type) {
  const values = (node.extensionElements && node.extensionElements.values) || [];

  return values.filter(value => is(value, type));
}

function extensionValue(node, type) {
  return extensionValues(node, type)[0];
}

function isBlank(value) {
  return typeof value !== 'string' || value.trim() === '';
}

/**
 * Without zeebe-bpmn-moddle the zeebe:* elements parse as opaque generic elements and every
 * zeebe check would pass vacuously, so a misconfigured run must fail instead.
 */
function reportIfZeebeUnknown(node, reporter) {
  if (!is(node, 'bpmn:Definitions')) {
    return false;
  }

  if (node.$model && node.$model.getPackage('zeebe')) {
    return false;
  }

  reporter.report(
    node.id,
    'The diagram was parsed without the zeebe moddle extension; add ' +
    '"moddleExtensions": { "zeebe": "zeebe-bpmn-moddle/resources/zeebe.json" } to the config'
  );

  return true;
}

module.exports = {
  REGISTRY_PATH,
  extensionValue,
  extensionValues,
  is,
  isBlank,
  loadRegistry,
  reportIfZeebeUnknown
};
