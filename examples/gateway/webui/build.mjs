// The stand-in's bundler: copies src/ into the package's web/dist, as upstream's `npm run
// build` (Vite, outDir ../nanobot/web/dist) does for Nanobot's WebUI. No dependencies, so
// `npm ci` works offline; the output is the same bytes on every run.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "src", "example_gateway", "web", "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(here, "src"), dist, { recursive: true });
console.log(`webui built into ${dist}`);
