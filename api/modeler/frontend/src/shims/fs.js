// node:fs for the lint plugin in the browser: the only file it reads is registry.json, which the
// page fetched from /api/modeler/registry before the modeler starts.
export function readFileSync() {
  const registry = globalThis.BOERNESAG_REGISTRY;

  if (!registry) {
    throw new Error('the worker registry is not loaded (GET /api/modeler/registry)');
  }

  return JSON.stringify(registry);
}

export default { readFileSync };
