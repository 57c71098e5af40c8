// Adding a service task from one of our element templates (one per job type, Danish names).
import { is } from 'bpmn-js/lib/util/ModelUtil';

function midpoint(waypoints) {
  // The middle of the longest segment, so the new task sits on the flow.
  let best = null;
  for (let i = 1; i < waypoints.length; i++) {
    const a = waypoints[i - 1];
    const b = waypoints[i];
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    if (!best || length > best.length) {
      best = { length, x: Math.round((a.x + b.x) / 2), y: Math.round((a.y + b.y) / 2) };
    }
  }
  return { x: best.x, y: best.y };
}

const GENERATED = /^(Activity|Gateway|Event|Flow)_[0-9a-z]{5,}$/;

function uniqueId(registry, base) {
  let id = base;
  for (let n = 2; registry.get(id); n++) {
    id = `${ base }_${ n }`;
  }
  return id;
}

/** Flows the insertion created get ids our readable-ids rule accepts, from what they join. */
function nameNewFlows(modeler, element) {
  const registry = modeler.get('elementRegistry');
  const modeling = modeler.get('modeling');
  for (const flow of [ ...element.incoming, ...element.outgoing ]) {
    if (GENERATED.test(flow.id)) {
      const other = flow.source === element ? `til_${ flow.target.id }` : `fra_${ flow.source.id }`;
      modeling.updateProperties(flow, { id: uniqueId(registry, `flow_${ other }`.toLowerCase()) });
    }
  }
}

/**
 * Applies the template to the selected task, inserts a new templated task into the selected
 * sequence flow, or appends one after the selected flow node. The new task is named after the
 * template and new flows get readable ids; the task's generated id is left for the analyst to
 * give a readable one that says what it does (the lint says so until then).
 */
export function insertFromTemplate(modeler, template) {
  const selected = modeler.get('selection').get();
  if (selected.length !== 1) {
    return { ok: false, message: 'Vælg én opgave, én sekvenspil eller ét element at tilføje efter' };
  }
  const target = selected[0];
  const elementTemplates = modeler.get('elementTemplates');
  const modeling = modeler.get('modeling');
  let element;

  if (is(target, 'bpmn:Task')) {
    element = elementTemplates.applyTemplate(target, template);
  } else if (is(target, 'bpmn:SequenceFlow')) {
    const shape = elementTemplates.createElement(template);
    element = modeling.createShape(shape, midpoint(target.waypoints), target);
  } else if (is(target, 'bpmn:FlowNode') && !is(target, 'bpmn:EndEvent')) {
    const shape = elementTemplates.createElement(template);
    element = modeler.get('autoPlace').append(target, shape);
  } else {
    return { ok: false, message: 'Skabeloner kan bruges på en opgave, en sekvenspil eller efter et element' };
  }
  nameNewFlows(modeler, element);
  if (!element.businessObject.name) {
    modeling.updateLabel(element, template.name);
  }
  modeler.get('selection').select(element);
  return { ok: true, message: `Tilføjet: ${ template.name }` };
}
