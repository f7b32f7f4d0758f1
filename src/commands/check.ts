// `check`: the whole configuration without a request. The config file and every backend's options
// were checked when the chain was built (src/setup.ts: a problem there is exit 2); here every
// backend inspects what it would read or run (files, directories, helpers, commands, permissions),
// and the config file's own permissions are checked when it holds secrets. Every problem is
// printed with its fix; warnings do not fail the check.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { permissionProblems } from "../../backends/support/inspect.ts";
import type { Problem } from "../../backends/types.ts";
import type { Invocation } from "../args.ts";
import { answer, type Io } from "../io.ts";
import type { Log } from "../log.ts";
import type { Prepared } from "../setup.ts";

export async function check(io: Io, log: Log, { settings, backends }: Prepared, { options }: Invocation): Promise<number> {
  const sections: { title: string; problems: Problem[] }[] = [];
  if (options.config !== undefined) sections.push({ title: `config file ${resolve(options.config)}`, problems: configFileProblems(resolve(options.config), settings.backends) });
  for (const backend of backends) {
    const { problems } = await backend.inspect();
    sections.push({ title: `backend ${backend.name}`, problems });
  }
  const out: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const { title, problems } of sections) {
    out.push(problems.length === 0 ? `${title}: ok` : `${title}:`);
    for (const problem of problems) {
      if (problem.severity === "error") errors++;
      else warnings++;
      out.push(`  ${problem.severity}: ${problem.message}`);
      if (problem.fix) out.push(`    fix: ${problem.fix}`);
    }
  }
  out.push(errors === 0 ? `no problems${warnings > 0 ? ` (${warnings} warning(s))` : ""}` : `${errors} problem(s)${warnings > 0 ? `, ${warnings} warning(s)` : ""}`);
  if (answer(io, log, `${out.join("\n")}\n`) !== 0) return 1;
  return errors === 0 ? 0 : 1;
}

/**
 * The config file holds secrets when an exec backend sets variables for its provider (their values
 * can be passwords): then only root may read it. Otherwise no one but root may change it.
 */
function configFileProblems(path: string, specs: Prepared["settings"]["backends"]): Problem[] {
  const stats = statSync(path);
  const holdsSecrets = specs.some((spec) => spec.type === "exec" && spec.options.env !== undefined && Object.keys(spec.options.env as object).length > 0);
  return permissionProblems(path, stats, { secret: holdsSecrets });
}
