// node:path for the lint plugin in the browser: it only builds the registry's path.
export function resolve(...parts) {
  return parts.join('/');
}

export default { resolve };
