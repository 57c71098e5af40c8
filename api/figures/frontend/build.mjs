// Builds the figures' charts into ../static/dist (served at /noegletal/static/dist).
import { build } from "esbuild";

await build({
  entryPoints: { charts: "src/charts.js" },
  bundle: true,
  minify: true,
  sourcemap: true,
  outdir: "../static/dist",
  target: ["chrome110", "firefox110", "safari16"],
  logLevel: "warning",
});
