#!/usr/bin/env node
// The public pages' Bootstrap, trimmed to the rules our pages can use (make css; make css-check).
//
//   node scripts/trim_css.js OUTPUT            write the trimmed stylesheet to OUTPUT
//   node scripts/trim_css.js --check OUTPUT    exit 1, naming the rules that differ, when OUTPUT is stale
//
// The source is bootstrap.min.css from the XStatic-Bootstrap package installed in .venv (pinned in
// requirements-dev.txt); PurgeCSS (npm, pinned in package.json) keeps a rule only when its classes, ids and
// elements appear in what renders our public pages: our templates, crispy-bootstrap5's templates (the gate's
// form is drawn by crispy forms), crispy-forms' layout objects (the Submit button's classes are Python) and
// drugs/ (Python that builds markup, e.g. the charts). The output is committed like a lock file, so serving
// the site never needs Node.
"use strict";

const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { PurgeCSS } = require("purgecss");

const ROOT = path.resolve(__dirname, "..");

function installedPaths() {
  const python = path.join(ROOT, ".venv", "bin", "python");
  const program = [
    "import json, os, crispy_bootstrap5, crispy_forms, xstatic.pkg.bootstrap as b",
    "print(json.dumps({'bootstrap': os.path.join(b.BASE_DIR, 'css', 'bootstrap.min.css'), 'version': b.VERSION,",
    "  'crispy_bootstrap5': os.path.dirname(crispy_bootstrap5.__file__),",
    "  'crispy_forms': os.path.dirname(crispy_forms.__file__)}))",
  ].join("\n");
  return JSON.parse(execFileSync(python, ["-c", program], { encoding: "utf8" }));
}

async function trimmed() {
  const installed = installedPaths();
  const purgecssVersion = require("purgecss/package.json").version;
  const [result] = await new PurgeCSS().purge({
    css: [installed.bootstrap],
    content: [
      path.join(ROOT, "templates/**/*.html"),
      path.join(installed.crispy_bootstrap5, "templates/**/*.html"),
      path.join(installed.crispy_forms, "layout.py"),
      path.join(ROOT, "drugs/**/*.py"),
    ],
    // Bootstrap's own keyframes and font faces go when no kept rule names them. Its custom properties all
    // stay: static/css/*.css reads them (var(--bs-border-color)…), which PurgeCSS cannot see.
    keyframes: true,
    fontFace: true,
    // No Bootstrap class is put together at run time: the only class names built in templates are our own
    // (risk-{{ level }}, scenario-…, statement-…, in static/css/medinfo.css), and widgets get none from
    // Python. A Bootstrap class built from a variable would have to be listed here.
    safelist: [],
  });
  let css = result.css;
  // Keep Bootstrap's licence banner first; say right after it what this file is and how it is made.
  const bannerEnd = css.indexOf("*/") + 2;
  if (!css.slice(0, bannerEnd).includes("Licensed under MIT")) {
    throw new Error("Bootstrap's licence banner is not at the top of bootstrap.min.css any more");
  }
  const note =
    `/* Trimmed from XStatic-Bootstrap ${installed.version}'s bootstrap.min.css by PurgeCSS ${purgecssVersion}` +
    " (scripts/trim_css.js): only the rules our templates, crispy-bootstrap5's templates and drugs/ can use." +
    " A build artefact: never edit it; run `make css` after using a new Bootstrap class in a template. */";
  css = css.slice(0, bannerEnd) + "\n" + note + "\n" + css.slice(bannerEnd).replace(/\s*\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "");
  return css.endsWith("\n") ? css : css + "\n";
}

// One rule a line, to name what changed instead of printing a single 40 kB line twice.
const rules = (css) => new Set(css.split("}").map((rule) => rule.trim()).filter(Boolean));

async function main() {
  const args = process.argv.slice(2);
  const check = args[0] === "--check";
  const output = check ? args[1] : args[0];
  if (!output) {
    console.error("usage: node scripts/trim_css.js [--check] OUTPUT");
    process.exit(2);
  }
  const css = await trimmed();
  if (!check) {
    fs.writeFileSync(output + ".tmp", css);
    fs.renameSync(output + ".tmp", output);
    console.log(`${output}: ${css.length} bytes`);
    return;
  }
  const committed = fs.existsSync(output) ? fs.readFileSync(output, "utf8") : "";
  if (committed === css) {
    console.log(`${output} is up to date.`);
    return;
  }
  const before = rules(committed);
  const after = rules(css);
  const gone = [...before].filter((rule) => !after.has(rule));
  const added = [...after].filter((rule) => !before.has(rule));
  console.error(`${output} is stale: run \`make css\` and commit it.`);
  for (const rule of gone.slice(0, 20)) console.error(`  - ${rule.slice(0, 160)}`);
  for (const rule of added.slice(0, 20)) console.error(`  + ${rule.slice(0, 160)}`);
  if (gone.length + added.length > 40) console.error(`  (${gone.length} rules gone, ${added.length} added)`);
  process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
