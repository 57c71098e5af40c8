// Builds the modeler bundle into ../static/dist (served at /modellering/static/dist).
//
// The live lint runs the project's own bpmnlint config (bpmn/lint/.bpmnlintrc): it is compiled
// with bpmnlint's compile-config, resolved from bpmn/lint exactly as `bash bpmn/lint/run.sh`
// resolves it, and bundled with the same rule modules. Our plugin reads registry.json through
// node:fs; in the browser a shim answers with the registry the page fetched from the API, so the
// live lint and the deploy check judge job types and deadline rules by the same file.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const lintDir = path.resolve(here, '..', '..', '..', 'bpmn', 'lint');
const outdir = path.resolve(here, '..', 'static', 'dist');

const lintRequire = createRequire(path.join(lintDir, 'package.json'));
const compileConfig = lintRequire('bpmnlint/lib/support/compile-config');
const NodeResolver = lintRequire('bpmnlint/lib/resolver/node-resolver');
const { createScopedRequire } = lintRequire('bpmnlint/lib/resolver/helper');

const rc = JSON.parse(readFileSync(path.join(lintDir, '.bpmnlintrc'), 'utf8'));
const resolver = new NodeResolver({ require: createScopedRequire(lintDir) });
// Generated on every build, kept out of git and out of the sources infra/frontend.sh watches.
const generated = path.join(here, 'node_modules', '.cache', 'boernesag');
mkdirSync(generated, { recursive: true });
writeFileSync(path.join(generated, 'lint-config.js'), await compileConfig(rc, resolver));

// A fresh output each time: hashed chunk names would otherwise pile up.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await esbuild.build({
  entryPoints: { modeler: path.join(here, 'src', 'modeler.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: 'es2020',
  outdir,
  // Rule modules live in bpmn/lint/node_modules (our plugin only there).
  nodePaths: [ path.join(lintDir, 'node_modules'), path.join(here, 'node_modules') ],
  alias: {
    'boernesag-lint-config': path.join(generated, 'lint-config.js'),
    'node:fs': path.join(here, 'src', 'shims', 'fs.js'),
    'node:path': path.join(here, 'src', 'shims', 'path.js')
  },
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.eot': 'dataurl', '.svg': 'dataurl' },
  define: { 'process.env.NODE_ENV': '"production"', __dirname: '"/bpmn/lint/plugin/rules"' },
  logLevel: 'warning',
  metafile: true
});

const sizes = Object.entries(result.metafile.outputs)
  .map(([ file, { bytes } ]) => `${ path.basename(file) } ${ Math.round(bytes / 1024) } KiB`);
console.log('modeler bundle:', sizes.join(', '));
