'use strict';

const { extensionValues, isBlank, loadRegistry, reportIfZeebeUnknown } = require('./helper');

/**
 * A job whose type no worker subscribes to waits forever without an incident, so every job
 * type in a model must be one that workers/ registers (bpmn/lint/registry.json).
 */
module.exports = function registeredJobTypes() {
  const { jobTypes } = loadRegistry();

  function check(node, reporter) {
    if (reportIfZeebeUnknown(node, reporter)) {
      return;
    }

    for (const definition of extensionValues(node, 'zeebe:TaskDefinition')) {
      const type = definition.type;

      if (isBlank(type)) {
        reporter.report(node.id, 'Job type is missing on zeebe:taskDefinition');
      } else if (type.trim().startsWith('=')) {
        reporter.report(node.id, `Job type <${ type }> is an expression; use a literal registered job type`);
      } else if (!jobTypes.has(type)) {
        reporter.report(
          node.id,
          `Job type <${ type }> is not registered by any worker ` +
          '(register it in workers/, then run python -m workers.registry_export --write)'
        );
      }
    }
  }

  return { check };
};
