// Builds the instance viewer into ../static/dist (served at /drift/static/dist).
import { build } from "esbuild";

await build({
  entryPoints: { viewer: "src/viewer.js" },
  bundle: true,
  minify: true,
  sourcemap: true,
  outdir: "../static/dist",
  target: ["chrome110", "firefox110", "safari16"],
  logLevel: "warning",
});
