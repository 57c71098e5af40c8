// Bundles the stylesheet (DKFDS + form-js + our own rules) and the task-form script into
// ../static/dist/, with the fonts and images the CSS points to copied beside them.
import { build } from "esbuild";

await build({
  entryPoints: { app: "src/app.css", form: "src/form.js" },
  bundle: true,
  minify: true,
  sourcemap: true,
  outdir: "../static/dist",
  assetNames: "assets/[name]-[hash]",
  loader: {
    ".woff": "file",
    ".woff2": "file",
    ".ttf": "file",
    ".eot": "file",
    ".svg": "file",
    ".png": "file",
  },
  target: ["chrome110", "firefox110", "safari16"],
  logLevel: "warning",
});
