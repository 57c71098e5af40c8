// The analysts' modeler page (/modellering): bpmn-js with the Zeebe properties panel, our element
// templates, live lint with the project's bpmnlint config, the form-js editor for .form files,
// and deployment through POST /api/deployments with the problems shown at their elements.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  ZeebePropertiesProviderModule
} from 'bpmn-js-properties-panel';
import { CloudElementTemplatesPropertiesProviderModule } from 'bpmn-js-element-templates';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import LintModule from 'bpmn-js-bpmnlint';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';

import lintConfig from 'boernesag-lint-config';
import { api, el, text } from './util.js';
import { insertFromTemplate } from './templates.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-element-templates/dist/assets/element-templates.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './modeler.css';

const root = document.getElementById('modeler-app');
const $ = selector => root.querySelector(selector);

const state = {
  kind: null, // 'bpmn' | 'form'
  name: null, // the file name sent on deploy
  modeler: null,
  formEditor: null,
  lintIssues: [],
  deployProblems: []
};

function status(message, kind = 'info') {
  const box = $('[data-role=status]');
  box.className = `modeler-status modeler-status-${ kind }`;
  text(box, message);
}

/** A click handler that shows a failure in the status line instead of losing it. */
function guard(action) {
  return () => Promise.resolve().then(action).catch(error => status(error.message || String(error), 'error'));
}

// --- lists ----------------------------------------------------------------------------------

async function loadLists() {
  const [ processes, files, templates ] = await Promise.all([
    api('GET', '/api/modeler/processes'),
    api('GET', '/api/modeler/files'),
    Promise.resolve(state.templates)
  ]);
  const processList = $('[data-role=processes]');
  processList.replaceChildren(...processes.map(p => el('li', {}, [
    el('button', {
      type: 'button', class: 'link', 'data-process': p.bpmn_process_id,
      onclick: guard(() => showVersions(p.bpmn_process_id))
    }, `${ p.bpmn_process_id } (v${ p.latest_version })`)
  ])));
  const fileList = $('[data-role=files]');
  fileList.replaceChildren(...files.map(name => el('li', {}, [
    el('button', { type: 'button', class: 'link', 'data-file': name, onclick: guard(() => openFile(name)) }, name)
  ])));
  const templateList = $('[data-role=templates]');
  templateList.replaceChildren(...templates.map(t => el('li', {}, [
    el('button', {
      type: 'button', class: 'link', 'data-template': t.id, title: t.description,
      onclick: guard(() => addTemplate(t))
    }, t.name)
  ])));
}

async function showVersions(processId) {
  const versions = await api('GET', `/api/modeler/processes/${ encodeURIComponent(processId) }/versions`);
  const list = $('[data-role=versions]');
  text($('[data-role=versions-title]'), `Versioner af ${ processId }`);
  list.replaceChildren(...versions.map(v => el('li', {}, [
    el('button', {
      type: 'button', class: 'link', 'data-version': String(v.version),
      onclick: guard(() => openVersion(processId, v.version))
    }, `v${ v.version }`),
    ` ${ new Date(v.deployed_at).toLocaleString('da-DK') }${ v.deployed_by ? ' af ' + v.deployed_by : '' }`
  ])));
}

// --- opening --------------------------------------------------------------------------------

function showDiff(diff, deployed) {
  const box = $('[data-role=diff]');
  const summary = $('[data-role=diff-summary]');
  if (!deployed) {
    text(summary, 'Ikke udrullet endnu.');
    text(box, '');
  } else if (!diff) {
    text(summary, `Som udrullet (${ deployed.bpmn_process_id || deployed.form_id } v${ deployed.version }).`);
    text(box, '');
  } else {
    text(summary, `Afviger fra udrullet v${ deployed.version }:`);
    text(box, diff);
  }
}

async function openFile(name) {
  if (name.endsWith('.dmn')) {
    status('DMN-filer redigeres ikke her; de udrulles med POST /api/deployments', 'error');
    return;
  }
  const file = await api('GET', `/api/modeler/files/${ encodeURIComponent(name) }`);
  showDiff(file.diff, file.deployed);
  if (name.endsWith('.form')) {
    await openForm(name, JSON.parse(file.content));
  } else {
    await openBpmn(name, file.content);
  }
}

async function openVersion(processId, version) {
  const v = await api('GET', `/api/modeler/processes/${ encodeURIComponent(processId) }/versions/${ version }`);
  showDiff(null, null);
  text($('[data-role=diff-summary]'), `Udrullet version ${ version } af ${ processId }.`);
  await openBpmn(v.resource_name || `${ processId }.bpmn`, v.xml);
}

function bpmnModeler() {
  if (state.modeler) {
    return state.modeler;
  }
  state.modeler = new BpmnModeler({
    container: $('[data-role=canvas]'),
    propertiesPanel: { parent: $('[data-role=properties]') },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      ZeebePropertiesProviderModule,
      CloudElementTemplatesPropertiesProviderModule,
      ZeebeBehaviorsModule,
      LintModule
    ],
    moddleExtensions: { zeebe: zeebeModdle },
    elementTemplates: state.templates,
    linting: { bpmnlint: lintConfig, active: true }
  });
  const eventBus = state.modeler.get('eventBus');
  eventBus.on('linting.completed', ({ issues }) => {
    state.lintIssues = Object.entries(issues).flatMap(([ id, reports ]) =>
      reports.map(report => ({ id, rule: report.rule, message: report.message, category: report.category })));
    renderProblems();
  });
  // bpmn-js renames an element, not its diagram shape (`<id>_di`); keep them together, or our
  // readable-ids rule keeps reporting the old generated id on the shape.
  const syncDiId = ({ context }) => {
    const { element } = context;
    const di = element && element.di;
    const id = element && element.businessObject && element.businessObject.id;
    if (di && id && di.id !== `${ id }_di` && /_di$/.test(di.id || '')) {
      di.id = `${ id }_di`;
    }
  };
  eventBus.on('commandStack.element.updateProperties.executed', syncDiId);
  eventBus.on('commandStack.element.updateProperties.reverted', syncDiId);
  eventBus.on('commandStack.element.updateModdleProperties.executed', syncDiId);
  eventBus.on('commandStack.element.updateModdleProperties.reverted', syncDiId);
  // The server's problems were about the model as it was sent; an edit makes them stale.
  eventBus.on('commandStack.changed', () => {
    if (state.deployProblems.length) {
      clearDeployProblems();
    }
  });
  // The panel's "select template" button opens our list.
  eventBus.on('elementTemplates.select', () => $('[data-role=templates]').scrollIntoView());
  return state.modeler;
}

async function openBpmn(name, xml) {
  showEditor('bpmn');
  const modeler = bpmnModeler();
  clearDeployProblems();
  const { warnings } = await modeler.importXML(xml);
  modeler.get('canvas').zoom('fit-viewport');
  state.kind = 'bpmn';
  state.name = name;
  text($('[data-role=current]'), name);
  status(warnings.length ? `Åbnet med ${ warnings.length } advarsler ved import` : `Åbnet: ${ name }`);
}

async function openForm(name, schema) {
  showEditor('form');
  if (!state.formEditor) {
    const { createFormEditor } = await import('./form-editor.js');
    state.formEditor = createFormEditor($('[data-role=form-editor]'));
  }
  await state.formEditor.importSchema(schema);
  state.kind = 'form';
  state.name = name;
  state.lintIssues = [];
  clearDeployProblems();
  text($('[data-role=current]'), name);
  status(`Åbnet: ${ name }`);
}

function showEditor(kind) {
  $('[data-role=bpmn-editor]').hidden = kind !== 'bpmn';
  $('[data-role=form-editor]').hidden = kind !== 'form';
}

// --- templates ------------------------------------------------------------------------------

function addTemplate(template) {
  if (state.kind !== 'bpmn') {
    status('Åbn en proces først', 'error');
    return;
  }
  const result = insertFromTemplate(state.modeler, template);
  status(result.message, result.ok ? 'info' : 'error');
}

// --- problems -------------------------------------------------------------------------------

function selectElement(id) {
  if (state.kind !== 'bpmn' || !id) {
    return;
  }
  const element = state.modeler.get('elementRegistry').get(id);
  if (element) {
    state.modeler.get('selection').select(element);
    state.modeler.get('canvas').scrollToElement(element);
  }
}

function renderProblems() {
  const list = $('[data-role=problems]');
  const lint = state.lintIssues.map(p => ({ ...p, source: 'lint' }));
  const deploy = state.deployProblems.map(p => ({ id: p.element_id, rule: p.rule, message: p.message, category: 'error', source: 'udrulning', file: p.file }));
  const all = [ ...deploy, ...lint ];
  text($('[data-role=problem-count]'), all.length ? `${ all.length } problem(er)` : 'Ingen problemer');
  list.replaceChildren(...all.map(p => el('li', { class: `problem problem-${ p.category }`, 'data-element': p.id || '', 'data-rule': p.rule }, [
    el('button', { type: 'button', class: 'link', onclick: () => selectElement(p.id) }, p.id || p.file || '(filen)'),
    ` ${ p.source === 'udrulning' ? '[udrulning] ' : '' }${ p.rule }: ${ p.message }`
  ])));
}

function clearDeployProblems() {
  if (state.modeler) {
    const overlays = state.modeler.get('overlays');
    const canvas = state.modeler.get('canvas');
    overlays.remove({ type: 'deploy-problem' });
    for (const p of state.deployProblems) {
      if (p.element_id && state.modeler.get('elementRegistry').get(p.element_id)) {
        canvas.removeMarker(p.element_id, 'deploy-problem');
      }
    }
  }
  state.deployProblems = [];
  renderProblems();
}

function showDeployProblems(problems) {
  clearDeployProblems();
  state.deployProblems = problems;
  if (state.kind === 'bpmn') {
    const registry = state.modeler.get('elementRegistry');
    const overlays = state.modeler.get('overlays');
    const canvas = state.modeler.get('canvas');
    for (const p of problems) {
      if (p.element_id && registry.get(p.element_id)) {
        canvas.addMarker(p.element_id, 'deploy-problem');
        overlays.add(p.element_id, 'deploy-problem', {
          position: { bottom: -4, left: 0 },
          html: el('div', { class: 'deploy-problem-overlay', title: p.message }, p.rule)
        });
      }
    }
  }
  renderProblems();
}

// --- deploy ---------------------------------------------------------------------------------

async function currentFile() {
  if (state.kind === 'bpmn') {
    const { xml } = await state.modeler.saveXML({ format: true });
    return new File([ xml ], state.name.endsWith('.bpmn') ? state.name : `${ state.name }.bpmn`, { type: 'application/xml' });
  }
  const schema = state.formEditor.saveSchema();
  return new File([ JSON.stringify(schema, null, 2) ], state.name, { type: 'application/json' });
}

async function deploy() {
  if (!state.kind) {
    status('Åbn en proces eller formular først', 'error');
    return;
  }
  const body = new FormData();
  body.append('files', await currentFile());
  status('Udruller …');
  const response = await api('POST', '/api/deployments', body, { raw: true });
  const data = await response.json().catch(() => ({}));
  if (response.status === 201) {
    clearDeployProblems();
    const items = [ ...data.deployed.map(d => `${ d.bpmn_process_id } v${ d.version }`), ...data.forms.map(f => `${ f.form_id } v${ f.version }`) ];
    status(`Udrullet: ${ items.join(', ') || 'intet nyt' }`, 'ok');
    text($('[data-role=diff-summary]'), `Udrullet som ${ items.join(', ') || 'før (intet nyt)' }.`);
    text($('[data-role=diff]'), '');
    await loadLists();
  } else if (response.status === 422) {
    showDeployProblems(data.problems || []);
    status(`Ikke udrullet: ${ (data.problems || []).length } problem(er)`, 'error');
  } else if (data.record === 'pending') {
    // Deployed, but the database could not record it yet (503): say so, never "not deployed".
    const items = (data.deployed || []).map(d => `${ d.bpmn_process_id } v${ d.version }`);
    status(`Udrullet: ${ items.join(', ') || 'intet nyt' }. ${ data.detail }`, 'error');
  } else {
    status(`Ikke udrullet: ${ data.detail || response.statusText }`, 'error');
  }
}

// --- start ----------------------------------------------------------------------------------

async function start() {
  const [ registry, templates ] = await Promise.all([
    api('GET', '/api/modeler/registry'),
    api('GET', '/api/modeler/element-templates')
  ]);
  globalThis.BOERNESAG_REGISTRY = registry;
  state.templates = templates;
  $('[data-role=deploy]').addEventListener('click', () => deploy().catch(error => status(String(error), 'error')));
  await loadLists();
  const wanted = new URLSearchParams(location.search).get('fil');
  if (wanted) {
    await openFile(wanted);
  }
  root.dataset.ready = 'true';
}

// For the browser tests and the curious: the page's state.
window.boernesagModeler = state;

start().catch(error => status(`Modelleringen kunne ikke starte: ${ error.message || error }`, 'error'));
