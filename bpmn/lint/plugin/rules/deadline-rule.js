'use strict';

const { extensionValues, is, loadRegistry, reportIfZeebeUnknown } = require('./helper');

const PROPERTY = 'deadlineRule';

/**
 * Every timer is a statutory or practice deadline: its rule id (D1, D2, ...) is how the case
 * view labels it, computes its date and raises an advis when it passes.
 */
module.exports = function deadlineRule() {
  const { deadlineRules } = loadRegistry();

  function isTimerEvent(node) {
    return is(node, 'bpmn:Event') &&
      (node.eventDefinitions || []).some(definition => is(definition, 'bpmn:TimerEventDefinition'));
  }

  function check(node, reporter) {
    if (reportIfZeebeUnknown(node, reporter) || !isTimerEvent(node)) {
      return;
    }

    const values = extensionValues(node, 'zeebe:Properties')
      .flatMap(properties => properties.properties || [])
      .filter(property => property.name === PROPERTY)
      .map(property => (property.value || '').trim());

    if (values.length === 0) {
      reporter.report(
        node.id,
        `Timer event has no deadline rule (add <zeebe:property name="${ PROPERTY }" value="D1"/> ` +
        'with a rule id from api/rules/catalogue.py)'
      );
    } else if (values.length > 1) {
      reporter.report(node.id, `Timer event has ${ values.length } ${ PROPERTY } properties; keep exactly one`);
    } else if (!deadlineRules.has(values[0])) {
      reporter.report(
        node.id,
        `Timer event has unknown deadline rule <${ values[0] }> (not in api/rules/catalogue.py)`
      );
    }
  }

  return { check };
};
