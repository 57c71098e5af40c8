// The form-js editor, loaded only when a .form file is opened.
import { FormEditor } from '@bpmn-io/form-js-editor';

import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import '@bpmn-io/form-js-editor/dist/assets/form-js-editor.css';

export function createFormEditor(container) {
  return new FormEditor({ container });
}
