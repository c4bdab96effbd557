/**
 * `npm run lint:openapi`: builds the app in-process (no port), writes /openapi.json to a temporary
 * file and checks it twice: `redocly lint` with redocly.yaml (the recommended rules and more, see
 * there) and @seriousme/openapi-schema-validator (the document against the OpenAPI 3.0 schema).
 * Exits non-zero when either complains.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { openApiDocument } from "./openapi-document.js";

const ROOT = join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);

async function main(): Promise<number> {
  const doc = await openApiDocument();
  const dir = mkdtempSync(join(tmpdir(), "larkstatus-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    let failed = 0;

    process.stdout.write("== redocly lint (redocly.yaml)\n");
    const cli = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");
    const lint = spawnSync(process.execPath, [cli, "lint", file, "--config", join(ROOT, "redocly.yaml")], {
      cwd: ROOT,
      stdio: "inherit",
      // No telemetry or update checks: CI has no network beyond the package registries.
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      timeout: 120_000,
    });
    if (lint.status !== 0) {
      failed++;
      process.stdout.write(`redocly lint failed (exit ${lint.status ?? lint.signal})\n`);
    }

    process.stdout.write("== OpenAPI 3.0 schema (@seriousme/openapi-schema-validator)\n");
    const result = await new Validator().validate(doc);
    if (result.valid) process.stdout.write("valid\n");
    else {
      failed++;
      process.stdout.write(`invalid:\n${JSON.stringify(result.errors, null, 2)}\n`);
    }
    return failed ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`lint:openapi: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
