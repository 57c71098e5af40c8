// Small DOM and fetch helpers for the modeler page.

/** Element with attributes (on* are listeners) and children (strings become text). */
export function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [ key, value ] of Object.entries(attributes)) {
    if (key.startsWith('on')) {
      node.addEventListener(key.slice(2), value);
    } else {
      node.setAttribute(key, value);
    }
  }
  for (const child of [].concat(children)) {
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function text(node, value) {
  node.textContent = value;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : null;
}

/** Same-origin call with the page's session; JSON in and out unless `raw`. */
export async function api(method, path, body, { raw = false } = {}) {
  const headers = { Accept: 'application/json' };
  const token = csrfToken();
  if (token && method !== 'GET') {
    headers['X-CSRF-Token'] = token;
  }
  const response = await fetch(path, { method, body, headers, credentials: 'same-origin' });
  if (raw) {
    return response;
  }
  if (!response.ok) {
    const detail = await response.json().then(d => d.detail).catch(() => response.statusText);
    throw new Error(`${ method } ${ path }: ${ response.status } ${ detail }`);
  }
  return response.json();
}
